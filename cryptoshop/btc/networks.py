"""The four Bitcoin networks and their parameters (address prefixes, key versions)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from embit.networks import NETWORKS as _EMBIT_NETWORKS

from .errors import NetworkError

# SLIP-132 versions for test networks: embit keeps them under the mainnet names
# ("ypub"/"zpub") inside its test network dicts; we name them as wallets show them.
_TEST_VERSIONS = {
    "tpub": bytes.fromhex("043587cf"),
    "upub": bytes.fromhex("044a5262"),
    "vpub": bytes.fromhex("045f1cf6"),
    "tprv": bytes.fromhex("04358394"),
    "uprv": bytes.fromhex("044a4e28"),
    "vprv": bytes.fromhex("045f18bc"),
}
_MAIN_VERSIONS = {
    "xpub": bytes.fromhex("0488b21e"),
    "ypub": bytes.fromhex("049d7cb2"),
    "zpub": bytes.fromhex("04b24746"),
    "xprv": bytes.fromhex("0488ade4"),
    "yprv": bytes.fromhex("049d7878"),
    "zprv": bytes.fromhex("04b2430c"),
}


@dataclass(frozen=True)
class Network:
    """A Bitcoin network. ``name`` is Bitcoin Core's chain name (``main``, ``test``…)."""

    name: str
    bech32_hrp: str
    p2pkh_prefix: bytes
    p2sh_prefix: bytes
    coin_type: int
    # SLIP-132 name -> 4 version bytes (xpub/ypub/zpub or tpub/upub/vpub and private twins)
    versions: MappingProxyType[str, bytes]
    embit_key: str

    @property
    def is_mainnet(self) -> bool:
        return self.name == "main"

    @property
    def embit(self) -> dict[str, Any]:
        """embit's parameter dict for this network (address encoding, key versions)."""
        params: dict[str, Any] = _EMBIT_NETWORKS[self.embit_key]
        return params

    @property
    def xpub_version(self) -> bytes:
        return self.versions["xpub" if self.is_mainnet else "tpub"]

    @property
    def xprv_version(self) -> bytes:
        return self.versions["xprv" if self.is_mainnet else "tprv"]

    def __str__(self) -> str:
        return self.name


MAINNET = Network("main", "bc", b"\x00", b"\x05", 0, MappingProxyType(_MAIN_VERSIONS), "main")
TESTNET = Network("test", "tb", b"\x6f", b"\xc4", 1, MappingProxyType(_TEST_VERSIONS), "test")
SIGNET = Network("signet", "tb", b"\x6f", b"\xc4", 1, MappingProxyType(_TEST_VERSIONS), "signet")
REGTEST = Network(
    "regtest", "bcrt", b"\x6f", b"\xc4", 1, MappingProxyType(_TEST_VERSIONS), "regtest"
)

NETWORKS: MappingProxyType[str, Network] = MappingProxyType(
    {n.name: n for n in (MAINNET, TESTNET, SIGNET, REGTEST)}
)
# Names other software uses for the same chains (btcd: "mainnet", "testnet3"; Esplora…).
_ALIASES = {
    "mainnet": "main",
    "bitcoin": "main",
    "testnet": "test",
    "testnet3": "test",
    "testnet4": "test",
    "simnet": "regtest",
}


def get_network(name: str | Network) -> Network:
    """Look a network up by Core's name or a common alias; refuse unknown names."""
    if isinstance(name, Network):
        return name
    if not isinstance(name, str):
        raise NetworkError(f"network name must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    try:
        return NETWORKS[key]
    except KeyError:
        raise NetworkError(
            f"unknown network {name!r}; expected one of: main, test, signet, regtest"
        ) from None
