"""BIP21 ``bitcoin:`` payment URIs: build and parse.

``amount`` is a BTC decimal string (at most 8 places, ``.`` separator); ``label`` and
``message`` are percent-encoded UTF-8. Unknown parameters are kept; unknown parameters
starting with ``req-`` make the URI invalid, as the BIP requires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

from .addresses import address_to_script_pubkey, witness_program
from .amounts import btc_to_sats, format_btc
from .errors import BIP21Error, BitcoinError
from .networks import Network, get_network

SCHEME = "bitcoin"
_KNOWN = frozenset({"amount", "label", "message"})
_MAX_URI = 4096


@dataclass(frozen=True)
class PaymentRequest:
    address: str
    amount_sat: int | None = None
    label: str | None = None
    message: str | None = None
    # Other parameters, in order, as (key, decoded value): kept for round trips.
    extras: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def build_uri(
    request: PaymentRequest, network: Network | str, *, qr_uppercase: bool = False
) -> str:
    """Serialise ``request``; ``qr_uppercase`` upper-cases scheme and bech32 address so a
    QR code can use the denser alphanumeric mode (BIP21 and BIP173 allow it)."""
    net = get_network(network)
    spk = address_to_script_pubkey(request.address, net)  # refuse to build a bad URI
    address = request.address.strip()
    scheme = SCHEME
    if qr_uppercase and witness_program(spk) is not None:
        address, scheme = address.upper(), SCHEME.upper()
    params: list[str] = []
    if request.amount_sat is not None:
        params.append("amount=" + format_btc(request.amount_sat, trim=True))
    if request.label is not None:
        params.append("label=" + _enc(request.label))
    if request.message is not None:
        params.append("message=" + _enc(request.message))
    for key, value in request.extras:
        if not key or key.lower() in _KNOWN or any(c in key for c in "=&?#"):
            raise BIP21Error(f"invalid extra parameter name {key!r}")
        params.append(f"{_enc(key)}={_enc(value)}")
    return f"{scheme}:{address}" + ("?" + "&".join(params) if params else "")


def parse_uri(uri: str, network: Network | str) -> PaymentRequest:
    """Parse a BIP21 URI for ``network``; raise :class:`BIP21Error` on anything invalid."""
    net = get_network(network)
    if not isinstance(uri, str):
        raise BIP21Error("a payment URI is a string")
    text = uri.strip()
    if len(text) > _MAX_URI:
        raise BIP21Error("payment URI is too long")
    scheme, sep, rest = text.partition(":")
    if not sep or scheme.lower() != SCHEME:
        raise BIP21Error("not a bitcoin: URI")
    address, _, query = rest.partition("?")
    if "#" in query:
        query = query.split("#", 1)[0]
    try:
        address_to_script_pubkey(address, net)
    except BitcoinError as exc:
        raise BIP21Error(f"invalid address in URI: {exc}") from exc
    amount: int | None = None
    label: str | None = None
    message: str | None = None
    extras: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in query.split("&") if query else []:
        if not part:
            continue
        raw_key, eq, raw_value = part.partition("=")
        if not eq:
            raise BIP21Error(f"parameter without a value: {raw_key!r}")
        key = _dec(raw_key)
        value = _dec(raw_value)
        lower = key.lower()
        if lower in seen and lower in _KNOWN:
            raise BIP21Error(f"parameter {key!r} appears twice")
        seen.add(lower)
        if lower == "amount":
            try:
                amount = btc_to_sats(value)
            except BitcoinError as exc:
                raise BIP21Error(f"invalid amount {value!r}: {exc}") from exc
        elif lower == "label":
            label = value
        elif lower == "message":
            message = value
        elif lower.startswith("req-"):
            raise BIP21Error(f"URI requires an unsupported parameter {key!r}")
        else:
            extras.append((key, value))
    return PaymentRequest(address.strip(), amount, label, message, tuple(extras))


def _enc(value: str) -> str:
    return quote(value, safe="")


def _dec(value: str) -> str:
    try:
        return unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BIP21Error("URI parameter is not valid percent-encoded UTF-8") from exc
