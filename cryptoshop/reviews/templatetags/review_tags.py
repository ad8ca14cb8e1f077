from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def stars(value: object) -> str:
    """★★★★☆ for 4 (an average rounds to whole stars); the number itself goes in an
    aria-label or beside it, since screen readers don't count symbols."""
    try:
        whole = int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    except ArithmeticError:
        whole = 0
    whole = max(0, min(5, whole))
    return "★" * whole + "☆" * (5 - whole)
