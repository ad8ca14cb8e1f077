"""Address validation per network and address <-> scriptPubKey conversion.

Base58check (P2PKH, P2SH), bech32 (witness v0) and bech32m (v1+) per BIP173/BIP350.
Written over embit's low-level bech32/base58 primitives because embit's own
``address_to_scriptpubkey`` neither checks the network nor guards every malformed input.
"""

from __future__ import annotations

from embit import base58
from embit.bech32 import Encoding, bech32_decode, bech32_encode, convertbits

from .errors import AddressError, BitcoinError
from .networks import Network, get_network


def address_to_script_pubkey(address: str, network: Network | str) -> bytes:
    """Validate ``address`` for ``network`` and return its scriptPubKey bytes."""
    net = get_network(network)
    if not isinstance(address, str):
        raise AddressError("an address is a string")
    addr = address.strip()
    if not addr:
        raise AddressError("empty address")
    lowered = addr.lower()
    for hrp in ("bc", "tb", "bcrt"):
        if lowered.startswith(hrp + "1") and not (hrp == "bc" and lowered.startswith("bcrt1")):
            if hrp != net.bech32_hrp:
                raise AddressError(
                    f"address is for another network (prefix {hrp}1, expected "
                    f"{net.bech32_hrp}1 on {net.name})"
                )
            return _decode_segwit(addr, net.bech32_hrp)
    return _decode_base58(addr, net)


def is_valid_address(address: str, network: Network | str) -> bool:
    try:
        address_to_script_pubkey(address, network)
    except AddressError:
        return False
    return True


def normalize_address(address: str, network: Network | str) -> str:
    """The canonical form of a valid address (bech32 lowercased)."""
    return script_pubkey_to_address(address_to_script_pubkey(address, network), network)


def _decode_segwit(addr: str, hrp: str) -> bytes:
    if len(addr) > 90:
        raise AddressError("bech32 address is too long")
    encoding, hrp_got, data = bech32_decode(addr)
    if encoding is None or data is None:
        raise AddressError("invalid bech32 address (bad characters, case or checksum)")
    if hrp_got != hrp:
        raise AddressError(f"wrong address prefix {hrp_got!r}, expected {hrp!r}")
    if not data:
        raise AddressError("bech32 address has no data")
    version = int(data[0])
    if version > 16:
        raise AddressError(f"invalid witness version {version}")
    program = convertbits(data[1:], 5, 8, False)
    if program is None:
        raise AddressError("invalid bech32 padding")
    if len(program) < 2 or len(program) > 40:
        raise AddressError(f"invalid witness program length {len(program)}")
    if version == 0 and len(program) not in (20, 32):
        raise AddressError("witness v0 programs are 20 or 32 bytes")
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if encoding != expected:
        kind = "bech32" if version == 0 else "bech32m"
        raise AddressError(f"witness v{version} addresses must use the {kind} checksum")
    op = 0 if version == 0 else 0x50 + version
    return bytes([op, len(program)]) + bytes(program)


def _decode_base58(addr: str, net: Network) -> bytes:
    if any(c not in _B58_ALPHABET for c in addr):
        raise AddressError("not a valid address (bad characters)")
    try:
        raw = bytes(base58.decode_check(addr))
    except Exception as exc:  # embit raises ValueError/IndexError on malformed input
        raise AddressError("invalid base58check address (bad checksum)") from exc
    if len(raw) != 21:
        raise AddressError("invalid base58 address length")
    prefix, payload = raw[:1], raw[1:]
    if prefix == net.p2pkh_prefix:
        return b"\x76\xa9\x14" + payload + b"\x88\xac"
    if prefix == net.p2sh_prefix:
        return b"\xa9\x14" + payload + b"\x87"
    raise AddressError(f"address is not valid on {net.name} (version byte {prefix.hex()})")


_B58_ALPHABET = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")


def script_pubkey_to_address(script_pubkey: bytes, network: Network | str) -> str:
    """Encode a standard scriptPubKey as an address on ``network``."""
    net = get_network(network)
    spk = bytes(script_pubkey)
    if len(spk) == 25 and spk[:3] == b"\x76\xa9\x14" and spk[23:] == b"\x88\xac":
        return str(base58.encode_check(net.p2pkh_prefix + spk[3:23]))
    if len(spk) == 23 and spk[:2] == b"\xa9\x14" and spk[22:] == b"\x87":
        return str(base58.encode_check(net.p2sh_prefix + spk[2:22]))
    witness = witness_program(spk)
    if witness is not None:
        version, program = witness
        encoding = Encoding.BECH32 if version == 0 else Encoding.BECH32M
        data = [version, *convertbits(list(program), 8, 5)]
        return str(bech32_encode(encoding, net.bech32_hrp, data))
    raise AddressError("this scriptPubKey has no address form")


def witness_program(script_pubkey: bytes) -> tuple[int, bytes] | None:
    """``(version, program)`` if the script is a segwit output, else None."""
    spk = bytes(script_pubkey)
    if len(spk) < 4 or len(spk) > 42:
        return None
    op, push = spk[0], spk[1]
    if push != len(spk) - 2 or not 2 <= push <= 40:
        return None
    if op == 0:
        return (0, spk[2:]) if push in (20, 32) else None
    if 0x51 <= op <= 0x60:
        return op - 0x50, spk[2:]
    return None


__all__ = [
    "address_to_script_pubkey",
    "describe_script",
    "is_valid_address",
    "normalize_address",
    "script_pubkey_to_address",
    "witness_program",
]


def describe_script(spk: bytes, network: Network | str) -> str:
    """The address a script pays, for messages; ``script <hex>`` when it has none."""
    try:
        return script_pubkey_to_address(spk, network)
    except BitcoinError:
        return f"script {spk.hex()[:80]}"
