"""Output descriptors for watch-only wallets (BIP380/381/382/386).

Accepts a bare extended key (xpub/ypub/zpub/tpub/upub/vpub — multisig Vpub/Zpub… are
refused with a hint — optionally with a
``[fingerprint/path]`` origin) or a descriptor ``wpkh(…)``, ``sh(wpkh(…))``, ``tr(…)`` or
``pkh(…)`` with optional ``#checksum``. Normalises to two checksummed single-path
descriptors (receive ``…/0/*`` and change ``…/1/*``) in the form Bitcoin Core accepts,
and derives addresses. embit's ``to_string()`` omits the checksum, so we add it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embit import script as escript
from embit.bip32 import HDKey
from embit.descriptor import Descriptor
from embit.descriptor.checksum import checksum as _embit_checksum

from .addresses import script_pubkey_to_address
from .errors import BitcoinError, DescriptorError
from .keys import MULTISIG_SCRIPT_TYPES, ExtendedKey, parse_extended_key
from .networks import Network, get_network
from .psbt import KeyOrigin

SCRIPT_TYPES = ("wpkh", "sh-wpkh", "tr", "pkh")
_WRAPPERS = {"wpkh": "wpkh({})", "sh-wpkh": "sh(wpkh({}))", "tr": "tr({})", "pkh": "pkh({})"}
_MAX_INDEX = 0x7FFFFFFF


def descriptor_checksum(desc: str) -> str:
    """The 8-character BIP380 checksum of a descriptor (without any ``#…`` suffix)."""
    body = desc.split("#", 1)[0]
    try:
        return str(_embit_checksum(body))
    except Exception as exc:  # invalid character
        raise DescriptorError(f"descriptor has a character outside the charset: {exc}") from exc


def add_checksum(desc: str) -> str:
    body = desc.split("#", 1)[0]
    return f"{body}#{descriptor_checksum(body)}"


def split_checksum(desc: str) -> tuple[str, str | None]:
    """Split ``desc#checksum``; verify the checksum when present."""
    if not isinstance(desc, str):
        raise DescriptorError("a descriptor is a string")
    if desc.count("#") > 1:
        raise DescriptorError("descriptor has more than one '#'")
    if "#" not in desc:
        return desc, None
    body, given = desc.split("#")
    if len(given) != 8:
        raise DescriptorError("descriptor checksum must be 8 characters")
    expected = descriptor_checksum(body)
    if given != expected:
        raise DescriptorError(f"descriptor checksum mismatch (expected #{expected})")
    return body, given


@dataclass(frozen=True)
class WalletDescriptor:
    """A watch-only single-key wallet: checksummed receive and change descriptors."""

    receive: str
    change: str
    script_type: str
    network: Network
    fingerprint: str  # master fingerprint from the origin, or the key's own
    _branches: tuple[HDKey, HDKey] = field(repr=False, compare=False, hash=False)
    # The full BIP32 path of each branch key from the master, when the origin is known.
    _branch_paths: tuple[tuple[int, ...], tuple[int, ...]] | None = field(
        default=None, repr=False, compare=False, hash=False)

    def output_key(self, index: int, *, change: bool = False) -> KeyOrigin | None:
        """The key (with its origin) that address ``index`` pays, for a PSBT's output
        derivation; None when the descriptor gave no key origin."""
        if self._branch_paths is None:
            return None
        self.script_pubkey(index, change=change)  # checks the index
        pub = self._branches[1 if change else 0].derive([index]).get_public_key()
        return KeyOrigin(bytes(pub.sec()), bytes.fromhex(self.fingerprint),
                         (*self._branch_paths[1 if change else 0], index))

    def script_pubkey(self, index: int, *, change: bool = False) -> bytes:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= _MAX_INDEX:
            raise DescriptorError("address index must be an integer in [0, 2^31)")
        # Derive one non-hardened step from the cached branch key: a single EC op.
        pub = self._branches[1 if change else 0].derive([index]).get_public_key()
        if self.script_type == "wpkh":
            spk = escript.p2wpkh(pub)
        elif self.script_type == "sh-wpkh":
            spk = escript.p2sh(escript.p2wpkh(pub))
        elif self.script_type == "tr":
            spk = escript.p2tr(pub)
        else:
            spk = escript.p2pkh(pub)
        return bytes(spk.data)

    def address(self, index: int, *, change: bool = False) -> str:
        return script_pubkey_to_address(self.script_pubkey(index, change=change), self.network)

    def addresses(self, start: int, count: int, *, change: bool = False) -> list[str]:
        return [self.address(i, change=change) for i in range(start, start + count)]


def parse_wallet_descriptor(
    text: str, network: Network | str, *, script_type: str | None = None
) -> WalletDescriptor:
    """Parse a user's xpub or descriptor into a normalised :class:`WalletDescriptor`.

    ``script_type`` applies to bare xpub/tpub keys, which carry none (default ``wpkh``).
    """
    net = get_network(network)
    if not isinstance(text, str) or not text.strip():
        raise DescriptorError("empty wallet descriptor")
    if len(text) > 2000:
        raise DescriptorError("descriptor is too long")
    s = "".join(text.split())  # wallets wrap long descriptors; whitespace is never meaningful
    try:
        if s.startswith(("[", "xpub", "ypub", "zpub", "tpub", "upub", "vpub",
                         "Ypub", "Zpub", "Upub", "Vpub")):
            return _from_key_expression(s, net, script_type)
        return _from_descriptor(s, net)
    except BitcoinError:
        raise
    except Exception as exc:  # embit raises assorted errors on malformed input
        raise DescriptorError(f"invalid descriptor: {exc}") from exc


def _from_key_expression(s: str, net: Network, script_type: str | None) -> WalletDescriptor:
    origin = ""
    rest = s
    if s.startswith("["):
        end = s.find("]")
        if end < 0:
            raise DescriptorError("unterminated key origin '['")
        origin, rest = s[: end + 1], s[end + 1 :]
    if "/" in rest or "#" in rest:
        raise DescriptorError("put derivation steps inside a descriptor, e.g. wpkh(xpub…/0/*)")
    key = parse_extended_key(rest)
    key.check_network(net)
    _refuse_multisig_header(key)
    stype = script_type or key.implied_script_type or "wpkh"
    if key.implied_script_type and script_type and script_type != key.implied_script_type:
        raise DescriptorError(
            f"a {key.prefix} is a {key.implied_script_type} key, not {script_type}"
        )
    if stype not in SCRIPT_TYPES:
        raise DescriptorError(f"unsupported script type {stype!r}")
    desc = _WRAPPERS[stype].format(f"{origin}{key.normalized}/<0;1>/*")
    return _from_descriptor(desc, net)


def _from_descriptor(s: str, net: Network) -> WalletDescriptor:
    body, _ = split_checksum(s)
    stype = _script_type_of(body)
    parsed = Descriptor.from_string(body)
    keys = parsed.keys
    if len(keys) != 1:
        raise DescriptorError("only single-key descriptors are supported here")
    k = keys[0]
    if not k.is_extended:
        raise DescriptorError("descriptor key must be an extended public key (xpub/tpub)")
    if k.is_private:
        raise DescriptorError(
            "descriptor contains a PRIVATE key; never share it. Use the public descriptor"
        )
    if parsed.taptree:
        raise DescriptorError("taproot script trees are not supported; use tr(KEY)")
    ext = _ext_key_of(k.key)
    ext.check_network(net)
    _refuse_multisig_header(ext)
    der = k.allowed_derivation
    indexes: list[object] = [[0, 1], None] if der is None else list(der.indexes)
    if None not in indexes or indexes[-1] is not None:
        raise DescriptorError("descriptor must end in a wildcard, e.g. …/0/* or …/<0;1>/*")
    if der is not None and der.has_hardend:
        raise DescriptorError("hardened steps after the key cannot be derived from an xpub")
    branch_sets = [i for i in indexes if isinstance(i, list)]
    if branch_sets:
        if len(branch_sets[0]) != 2:
            raise DescriptorError("a multipath descriptor must have two branches <a;b>")
        receive_path = [i if not isinstance(i, list) else i[0] for i in indexes]
        change_path = [i if not isinstance(i, list) else i[1] for i in indexes]
    else:
        receive_path = indexes
        # Convention (BIP44 family): a …/0/* receive descriptor has its change at …/1/*.
        change_path = [*indexes[:-2], 1, None] if indexes[-2:] == [0, None] else indexes
    origin = f"[{k.origin}]" if k.origin is not None else ""
    fingerprint = (
        bytes(k.origin.fingerprint).hex() if k.origin is not None else ext.fingerprint.hex()
    )
    wrapper = _WRAPPERS[stype]

    def render(path: list[object]) -> str:
        tail = "".join("/*" if i is None else f"/{i}" for i in path)
        return add_checksum(wrapper.format(f"{origin}{ext.normalized}{tail}"))

    def branch_key(path: list[object]) -> HDKey:
        fixed = [int(str(i)) for i in path[:-1]]
        key: HDKey = ext.hdkey.derive(fixed) if fixed else ext.hdkey
        return key

    paths = None if k.origin is None else tuple(
        _full_path(k.origin.derivation, p) for p in (receive_path, change_path))
    return WalletDescriptor(
        render(receive_path), render(change_path), stype, net, fingerprint,
        (branch_key(receive_path), branch_key(change_path)), paths,  # type: ignore[arg-type]
    )


def _full_path(origin: list[int], path: list[object]) -> tuple[int, ...]:
    """The branch key's path from the master: the origin's, then the fixed steps."""
    return (*[int(i) for i in origin], *[int(str(i)) for i in path[:-1]])


def _script_type_of(body: str) -> str:
    if body.startswith("wpkh("):
        return "wpkh"
    if body.startswith("sh(wpkh("):
        return "sh-wpkh"
    if body.startswith("tr("):
        return "tr"
    if body.startswith("pkh("):
        return "pkh"
    raise DescriptorError("unsupported descriptor; use wpkh(…), sh(wpkh(…)), tr(KEY) or pkh(…)")


def _refuse_multisig_header(key: ExtendedKey) -> None:
    if key.implied_script_type in MULTISIG_SCRIPT_TYPES:
        raise DescriptorError(
            f"a {key.prefix} is a multisig cosigner key; a payout wallet is a single-signature "
            f"account: export it as {'zpub/xpub' if key.is_mainnet else 'vpub/tpub'} or as a "
            "wpkh(…) descriptor"
        )


def _ext_key_of(hd: HDKey) -> ExtendedKey:
    # Re-parse through our own checks so SLIP-132 versions and network are handled once.
    return parse_extended_key(str(hd.to_base58()), allow_private=False)
