"""Money in templates: integer sats in, text out. No floats anywhere."""

from __future__ import annotations

from decimal import Decimal

from django import template

from cryptoshop.btc.amounts import format_btc

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


@register.filter
def sats(value: int | None) -> str:
    """12345 -> "12,345 sats"."""
    if value is None:
        return "—"
    return f"{int(value):,} sat" + ("" if int(value) == 1 else "s")


@register.filter
def btc(value: int | None) -> str:
    """12345 -> "0.00012345 BTC" (exact, from integer sats)."""
    if value is None:
        return "—"
    return f"{format_btc(int(value))} BTC"


@register.filter
def fiat(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    amount = f"{Decimal(value):,.2f}"
    return f"{symbol}{amount} {currency}".strip() if not symbol else f"{symbol}{amount}"
