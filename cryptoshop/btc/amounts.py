"""Money as integer satoshis.

Every amount in the system is an ``int`` of satoshis. BTC strings and ``Decimal`` values
(e.g. from JSON-RPC parsed with ``parse_float=Decimal``) are converted exactly; anything
with more than 8 decimals, negative, or above the 21M BTC supply is refused. ``float`` is
refused outright: a float cannot represent most BTC amounts exactly.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import NewType

from .errors import AmountError

Sats = NewType("Sats", int)

SATS_PER_BTC = 100_000_000
MAX_MONEY_SAT = 21_000_000 * SATS_PER_BTC
_EIGHT_PLACES = Decimal("0.00000001")


def sats(value: int) -> Sats:
    """Check an integer amount of satoshis (0 ≤ value ≤ 21M BTC) and tag it as ``Sats``."""
    # bool is an int subclass; True sats is never what a caller meant.
    if not isinstance(value, int) or isinstance(value, bool):
        raise AmountError(f"satoshi amounts are integers, got {type(value).__name__}")
    if value < 0:
        raise AmountError("amount must not be negative")
    if value > MAX_MONEY_SAT:
        raise AmountError("amount exceeds the 21,000,000 BTC supply")
    return Sats(value)


def btc_to_sats(value: str | Decimal | int) -> Sats:
    """Convert a BTC amount (``"0.001"``, ``Decimal("0.001")`` or whole BTC as ``int``).

    Exact: more than 8 decimal places is an error, never rounded.
    """
    if isinstance(value, (bool, float)):
        raise AmountError("BTC amounts must be str, Decimal or int, never float")
    if isinstance(value, str):
        text = value.strip()
        # Decimal accepts "NaN", "Infinity", "1e3" and "_" separators; an amount field must not.
        if not text or any(c not in "0123456789." for c in text) or text.count(".") > 1:
            raise AmountError(f"not a BTC amount: {value!r}")
        if text == ".":
            raise AmountError(f"not a BTC amount: {value!r}")
        try:
            dec = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - filtered above
            raise AmountError(f"not a BTC amount: {value!r}") from exc
    elif isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int):
        dec = Decimal(value)
    else:
        raise AmountError(f"unsupported amount type {type(value).__name__}")
    if not dec.is_finite():
        raise AmountError("amount must be finite")
    if dec < 0:
        raise AmountError("amount must not be negative")
    if dec > Decimal(MAX_MONEY_SAT) / SATS_PER_BTC:
        raise AmountError("amount exceeds the 21,000,000 BTC supply")
    scaled = dec * SATS_PER_BTC
    if scaled != scaled.to_integral_value():
        raise AmountError("BTC amounts have at most 8 decimal places")
    return sats(int(scaled))


def sats_to_btc(amount: int) -> Decimal:
    """The exact BTC value of ``amount`` sats as a ``Decimal`` with 8 places."""
    return (Decimal(sats(amount)) / SATS_PER_BTC).quantize(_EIGHT_PLACES)


def format_btc(amount: int, *, trim: bool = False, unit: bool = False) -> str:
    """Format sats as a BTC string: ``"0.00100000"`` (or ``"0.001"`` with ``trim``)."""
    text = f"{sats_to_btc(amount):.8f}"
    if trim:
        text = text.rstrip("0").rstrip(".")
    return f"{text} BTC" if unit else text


def format_sats(amount: int) -> str:
    """Format sats with thousands separators: ``"100,000 sat"``."""
    return f"{sats(amount):,} sat"


def fiat_to_sats(fiat: Decimal, rate_per_btc: Decimal) -> Sats:
    """Convert a fiat price to sats at ``rate_per_btc`` (fiat units per 1 BTC).

    Rounding rule: to the nearest satoshi, ties to even (banker's rounding), so over many
    invoices neither buyer nor seller is systematically favoured.
    """
    _check_decimal(fiat, "fiat amount")
    _check_decimal(rate_per_btc, "exchange rate")
    if rate_per_btc <= 0:
        raise AmountError("exchange rate must be positive")
    if fiat < 0:
        raise AmountError("fiat amount must not be negative")
    raw = fiat * SATS_PER_BTC / rate_per_btc
    return sats(int(raw.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))


def sats_to_fiat(amount: int, rate_per_btc: Decimal, places: int = 2) -> Decimal:
    """Value ``amount`` sats in fiat, rounded down to ``places`` (never over-state value)."""
    _check_decimal(rate_per_btc, "exchange rate")
    if rate_per_btc <= 0:
        raise AmountError("exchange rate must be positive")
    value = Decimal(sats(amount)) * rate_per_btc / SATS_PER_BTC
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def _check_decimal(value: Decimal, what: str) -> None:
    if not isinstance(value, Decimal) or isinstance(value, bool):
        raise AmountError(f"{what} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise AmountError(f"{what} must be finite")
