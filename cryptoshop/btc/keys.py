"""Extended keys (BIP32), SLIP-132 prefixes and BIP39 mnemonics.

Only *public* extended keys are accepted from users: the shop watches seller wallets and
never holds their private keys. Private keys appear only inside signing helpers and the
regtest harness.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from embit import base58, bip39
from embit.bip32 import HDKey

from .errors import KeyFormatError, NetworkError
from .networks import MAINNET, Network, get_network

# SLIP-132 prefix -> (is mainnet, is private, script type the prefix implies)
# Plain xpub/tpub carry no script type; callers decide (we default to native segwit).
_PREFIXES: dict[bytes, tuple[str, bool, bool, str | None]] = {
    bytes.fromhex("0488b21e"): ("xpub", True, False, None),
    bytes.fromhex("049d7cb2"): ("ypub", True, False, "sh-wpkh"),
    bytes.fromhex("04b24746"): ("zpub", True, False, "wpkh"),
    bytes.fromhex("043587cf"): ("tpub", False, False, None),
    bytes.fromhex("044a5262"): ("upub", False, False, "sh-wpkh"),
    bytes.fromhex("045f1cf6"): ("vpub", False, False, "wpkh"),
    bytes.fromhex("0488ade4"): ("xprv", True, True, None),
    bytes.fromhex("049d7878"): ("yprv", True, True, "sh-wpkh"),
    bytes.fromhex("04b2430c"): ("zprv", True, True, "wpkh"),
    bytes.fromhex("04358394"): ("tprv", False, True, None),
    bytes.fromhex("044a4e28"): ("uprv", False, True, "sh-wpkh"),
    bytes.fromhex("045f18bc"): ("vprv", False, True, "wpkh"),
    # Multisig (cosigner) headers: Electrum exports a p2wsh multisig account only so.
    bytes.fromhex("0295b43f"): ("Ypub", True, False, "sh-wsh"),
    bytes.fromhex("02aa7ed3"): ("Zpub", True, False, "wsh"),
    bytes.fromhex("024289ef"): ("Upub", False, False, "sh-wsh"),
    bytes.fromhex("02575483"): ("Vpub", False, False, "wsh"),
    bytes.fromhex("0295b005"): ("Yprv", True, True, "sh-wsh"),
    bytes.fromhex("02aa7a99"): ("Zprv", True, True, "wsh"),
    bytes.fromhex("024285b5"): ("Uprv", False, True, "sh-wsh"),
    bytes.fromhex("02575048"): ("Vprv", False, True, "wsh"),
}
SINGLE_SIG_SCRIPT_TYPES = ("wpkh", "sh-wpkh")
MULTISIG_SCRIPT_TYPES = ("wsh", "sh-wsh")
_KNOWN_HEADERS = "xpub/ypub/zpub/Ypub/Zpub or tpub/upub/vpub/Upub/Vpub"

HARDENED = 0x80000000


@dataclass(frozen=True)
class ExtendedKey:
    """A parsed extended key, re-encoded with the plain xpub/tpub (xprv/tprv) version."""

    prefix: str  # as the user gave it: xpub, zpub, vpub, tprv…
    is_mainnet: bool
    is_private: bool
    implied_script_type: str | None  # "wpkh"/"sh-wpkh"/"wsh"/"sh-wsh" (SLIP-132), None: x/t
    hdkey: HDKey

    @property
    def normalized(self) -> str:
        """The key as xpub/tpub (or xprv/tprv): what descriptors and Core expect."""
        net = MAINNET if self.is_mainnet else get_network("test")
        version = net.xprv_version if self.is_private else net.xpub_version
        return str(self.hdkey.to_base58(version=version))

    @property
    def fingerprint(self) -> bytes:
        """This key's own fingerprint (hash160 of its public key, 4 bytes)."""
        return bytes(self.hdkey.my_fingerprint)

    def check_network(self, network: Network | str) -> None:
        net = get_network(network)
        if self.is_mainnet != net.is_mainnet:
            kind = "mainnet" if self.is_mainnet else "test-network"
            raise NetworkError(
                f"this is a {kind} key ({self.prefix}…) but the shop runs on {net.name}; "
                f"use a {'xpub/ypub/zpub' if net.is_mainnet else 'tpub/upub/vpub'} key"
            )


def parse_extended_key(text: str, *, allow_private: bool = False) -> ExtendedKey:
    """Parse an xpub/ypub/zpub/Ypub/Zpub/tpub/upub/vpub/Upub/Vpub (or private twin when
    allowed); the key is re-tagged xpub/tpub."""
    if not isinstance(text, str):
        raise KeyFormatError("an extended key is a string")
    s = text.strip()
    if not s or len(s) > 120 or any(c not in _B58 for c in s):
        raise KeyFormatError(f"not an extended key (expected one of {_KNOWN_HEADERS})")
    try:
        raw = bytes(base58.decode_check(s))
    except Exception as exc:  # embit raises ValueError on checksum errors
        raise KeyFormatError("extended key has a bad checksum (mistyped?)") from exc
    if len(raw) != 78:
        raise KeyFormatError("extended key has the wrong length")
    info = _PREFIXES.get(raw[:4])
    if info is None:
        raise KeyFormatError(
            f"unknown extended key version {raw[:4].hex()}; expected one of {_KNOWN_HEADERS}"
        )
    prefix, is_main, is_private, script_type = info
    if is_private and not allow_private:
        raise KeyFormatError(
            "this is a PRIVATE key; never share it. Paste the extended public key "
            f"({_KNOWN_HEADERS}) instead"
        )
    try:
        key = HDKey.parse(raw)
    except Exception as exc:  # invalid point / private scalar
        raise KeyFormatError("extended key does not hold a valid secp256k1 key") from exc
    # Re-tag with the plain version so downstream code sees one encoding per network.
    net = MAINNET if is_main else get_network("test")
    key.version = net.xprv_version if is_private else net.xpub_version
    return ExtendedKey(prefix, is_main, is_private, script_type, key)


_B58 = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")


def parse_path(path: str) -> list[int]:
    """Parse ``m/84h/1'/0`` (or without ``m/``) into BIP32 indexes."""
    if not isinstance(path, str):
        raise KeyFormatError("a derivation path is a string")
    parts = [p for p in path.strip().split("/") if p]
    if parts and parts[0] == "m":
        parts = parts[1:]
    out: list[int] = []
    for part in parts:
        hardened = part[-1] in "h'H"
        digits = part[:-1] if hardened else part
        if not digits.isdigit() or not digits.isascii() or len(digits) > 10:
            raise KeyFormatError(f"bad derivation path element {part!r}")
        index = int(digits)
        if index >= HARDENED:
            raise KeyFormatError(f"derivation index out of range: {part!r}")
        out.append(index + HARDENED if hardened else index)
    return out


def path_to_str(path: list[int]) -> str:
    """``[84|H, 1|H, 0]`` -> ``84h/1h/0`` (the ``h`` form that Core prints)."""
    return "/".join(f"{i - HARDENED}h" if i >= HARDENED else str(i) for i in path)


def generate_mnemonic(words: int = 12) -> str:
    """A fresh BIP39 English mnemonic from the OS CSPRNG."""
    strength = {12: 16, 15: 20, 18: 24, 21: 28, 24: 32}.get(words)
    if strength is None:
        raise KeyFormatError("a mnemonic has 12, 15, 18, 21 or 24 words")
    return str(bip39.mnemonic_from_bytes(secrets.token_bytes(strength)))


def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """BIP39 seed (64 bytes) from a mnemonic whose checksum is verified first."""
    if not isinstance(mnemonic, str) or not isinstance(passphrase, str):
        raise KeyFormatError("mnemonic and passphrase are strings")
    words = " ".join(mnemonic.lower().split())
    if not bip39.mnemonic_is_valid(words):
        raise KeyFormatError("not a valid BIP39 English mnemonic (word or checksum wrong)")
    return bytes(bip39.mnemonic_to_seed(words, password=passphrase))


def root_from_seed(seed: bytes, network: Network | str) -> HDKey:
    """The BIP32 master private key for ``seed`` with the network's xprv/tprv version."""
    net = get_network(network)
    if not isinstance(seed, bytes | bytearray) or not 16 <= len(seed) <= 64:
        raise KeyFormatError("a BIP32 seed is 16 to 64 bytes")
    return HDKey.from_seed(bytes(seed), version=net.xprv_version)


def root_from_mnemonic(mnemonic: str, network: Network | str, passphrase: str = "") -> HDKey:
    return root_from_seed(mnemonic_to_seed(mnemonic, passphrase), network)


def derive(key: HDKey, path: str | list[int]) -> HDKey:
    """Derive ``path`` from ``key`` (hardened steps need a private key)."""
    indexes = parse_path(path) if isinstance(path, str) else list(path)
    try:
        derived: HDKey = key.derive(indexes)
    except Exception as exc:  # hardened from public, invalid child
        raise KeyFormatError(f"cannot derive {path_to_str(indexes)}: {exc}") from exc
    return derived


def account_xpub(root: HDKey, path: str, network: Network | str) -> str:
    """The account-level extended public key at ``path`` as xpub/tpub text."""
    net = get_network(network)
    account = derive(root, path)
    return str(account.to_public().to_base58(version=net.xpub_version))


def key_origin(root: HDKey, path: str) -> str:
    """``[fingerprint/path]`` key-origin prefix for a key derived from ``root``."""
    fp = bytes(root.my_fingerprint).hex()
    elems = path_to_str(parse_path(path))
    return f"[{fp}/{elems}]" if elems else f"[{fp}]"


__all__ = [
    "MULTISIG_SCRIPT_TYPES",
    "SINGLE_SIG_SCRIPT_TYPES",
    "ExtendedKey",
    "HDKey",
    "account_xpub",
    "derive",
    "generate_mnemonic",
    "key_origin",
    "mnemonic_to_seed",
    "parse_extended_key",
    "parse_path",
    "path_to_str",
    "root_from_mnemonic",
    "root_from_seed",
]
