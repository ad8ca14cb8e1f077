"""GET /api/bitcoin/price: the current rate, how it was made, and the age of each source.

Mounted with ``api.add_router("/bitcoin", rates_router)``; the payments routes under
/api/bitcoin live in their own router beside this one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from pydantic import StringConstraints

from cryptoshop.core.api import CamelSchema, ErrorOut, envelope, ok
from cryptoshop.rates import actions

router = Router(tags=["bitcoin"])


def _any_case(code: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" for c in code)


# The shop's currencies (CRYPTOSHOP_RATE_CURRENCIES), in any case; others are a 400. One
# of them without a live rate is 503 rate_unavailable.
Currency = Annotated[str, StringConstraints(pattern="^(" + "|".join(
    _any_case(c) for c in settings.RATE_CURRENCIES) + ")$")]


class PriceSourceOut(CamelSchema):
    source: str
    rate: str
    age_seconds: int


class PriceOut(CamelSchema):
    currency: str
    rate: str
    method: str
    sources: list[PriceSourceOut]
    fetched_at: datetime


@router.get("/price", response={200: envelope(PriceOut), 400: ErrorOut, 503: ErrorOut},
            by_alias=True, summary="Current BTC price (median of live sources, or fixed)")
def price(request: HttpRequest, currency: Currency = "USD") -> dict[str, Any]:
    """The rate (fiat per 1 BTC, decimal string), the method (`median` of fresh sources or
    the operator's `fixed` rate), each source used with its age, and `fetchedAt` — when the
    oldest quote used was fetched. 503 `rate_unavailable` when too few sources answered:
    no price is ever made up."""
    rate = actions.display_rate(currency)
    now = timezone.now()
    return ok({
        "currency": rate.currency,
        "rate": str(rate.rate),
        "method": rate.method,
        "sources": [{"source": q.source, "rate": str(q.rate),
                     "ageSeconds": max(0, int((now - q.fetched_at).total_seconds()))}
                    for q in rate.used],
        "fetchedAt": rate.oldest_fetch,
    })
