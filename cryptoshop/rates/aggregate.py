"""From quotes to one rate: median of fresh quotes after dropping outliers — or refuse.

Pure functions (no database, no network), so the rule is easy to read and to test:

1. keep the quotes for the currency fetched at most ``max_age`` ago;
2. if fewer than ``min_sources`` remain → :class:`RateUnavailable`;
3. drop every quote more than ``outlier_percent`` % away from the median of those fresh
   quotes;
4. if fewer than ``min_sources`` remain → :class:`RateUnavailable` (the sources disagree);
5. the rate is the median of what is left (mean of the two middle values for an even
   count), rounded half-even to 8 decimal places.

A fixed operator rate bypasses all of this and is labelled ``method="fixed"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

from cryptoshop.rates.errors import RateUnavailable
from cryptoshop.rates.sources import RATE_PLACES, Quote

FIXED_SOURCE = "fixed"


@dataclass(frozen=True)
class Excluded:
    quote: Quote
    reason: str


@dataclass(frozen=True)
class Rate:
    """A computed rate and what it was computed from (not yet stored as a receipt)."""

    currency: str
    rate: Decimal
    method: Literal["median", "fixed"]
    used: tuple[Quote, ...]
    computed_at: datetime
    excluded: tuple[Excluded, ...] = field(default=())

    @property
    def oldest_fetch(self) -> datetime:
        return min(q.fetched_at for q in self.used)


def median(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def _refuse(have: int, need: int, what: str = "answered") -> RateUnavailable:
    return RateUnavailable(f"rate unavailable: only {have} of {need} required sources {what}")


def aggregate(
    quotes: Iterable[Quote],
    currency: str,
    *,
    now: datetime,
    max_age: timedelta,
    outlier_percent: Decimal,
    min_sources: int,
) -> Rate:
    """The median rate of fresh, agreeing quotes for ``currency``, or RateUnavailable."""
    mine = [q for q in quotes if q.currency == currency]
    fresh = [q for q in mine if now - q.fetched_at <= max_age]
    excluded = [Excluded(q, "stale") for q in mine if q not in fresh]
    if len(fresh) < min_sources or not fresh:
        raise _refuse(len(fresh), max(min_sources, 1))
    centre = median([q.rate for q in fresh])
    kept = []
    for q in fresh:
        if abs(q.rate - centre) * 100 > outlier_percent * centre:
            excluded.append(Excluded(q, f"more than {outlier_percent}% from the median"))
        else:
            kept.append(q)
    if len(kept) < min_sources or not kept:
        raise _refuse(len(kept), max(min_sources, 1),
                      f"agree (within {outlier_percent}% of the median)")
    rate = median([q.rate for q in kept]).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)
    kept.sort(key=lambda q: q.source)
    return Rate(currency, rate, "median", tuple(kept), now, tuple(excluded))


def fixed(currency: str, rate: Decimal, *, now: datetime) -> Rate:
    """The operator's fixed rate, labelled as such (``method="fixed"``, source "fixed")."""
    quote = Quote(FIXED_SOURCE, currency, rate.quantize(RATE_PLACES), now)
    return Rate(currency, quote.rate, "fixed", (quote,), now)
