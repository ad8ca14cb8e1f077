"""What a listing costs in sats now: the estimate that sorting, the price filters, the cards
("≈ 23,077 sats") and the API's `priceSatEstimate` use, kept in `Listing.sort_price_sat`.

A sats-priced listing's estimate is its price. A fiat-priced one's is its price converted at
the rate an invoice would be priced at now (`rates.actions.rate_now`, no receipt written),
rounded the same way, or None while there is no rate (such listings sort last and no price
filter matches them). The column is set whenever a listing is saved
(`catalog.actions._apply`) and brought up to date after every rate refresh
(`rates.registry.RATES_REFRESHED`, filled in catalog/wiring.py), which writes only the rows
whose estimate changed. A price edited while a refresh runs may keep an estimate made from
its old price until the next refresh: the job heals it within a refresh interval."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db.models import F

from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Listing
from cryptoshop.rates.actions import estimate_sats, rate_now

logger = logging.getLogger(__name__)

BATCH = 500


def estimate_of(price_mode: str, price_sat: int | None, price_fiat: Decimal | None,
                currency: str, rate: Decimal | None = None) -> int | None:
    """The sats estimate of a price (``rate`` when the caller already has it)."""
    if price_mode == Listing.PriceMode.SAT:
        return price_sat
    if price_fiat is None or not currency:
        return None
    return estimate_sats(price_fiat, rate if rate is not None else rate_now(currency))


def _refresh_currency(currency: str) -> int:
    """Re-estimate the listings priced in ``currency``, a batch at a time (by primary key,
    so no cursor stays open while rows are written). Returns how many rows changed."""
    rate = rate_now(currency)
    rows = Listing.objects.filter(price_mode=Listing.PriceMode.FIAT, fiat_currency=currency)
    changed, last = 0, 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")
                     .values_list("pk", "price_fiat", "sort_price_sat")[:BATCH])
        if not batch:
            return changed
        last = batch[-1][0]
        stale = []
        for pk, price_fiat, current in batch:
            estimate = estimate_of(Listing.PriceMode.FIAT, None, price_fiat, currency, rate)
            if estimate != current:
                stale.append(Listing(pk=pk, sort_price_sat=estimate))
        if stale:
            Listing.objects.bulk_update(stale, ["sort_price_sat"])
            changed += len(stale)


def refresh_estimates() -> int:
    """Bring every listing's sats estimate in line with its price and the rates now (the
    RATES_REFRESHED listener). Returns how many listings changed."""
    # Sats prices need no rate; this heals a row whose estimate is missing or was written
    # by hand (the exclude matches NULL estimates too).
    changed = (Listing.objects.filter(price_mode=Listing.PriceMode.SAT)
               .exclude(sort_price_sat=F("price_sat")).update(sort_price_sat=F("price_sat")))
    currencies = (Listing.objects.filter(price_mode=Listing.PriceMode.FIAT)
                  .values_list("fiat_currency", flat=True).distinct())
    for currency in sorted(set(currencies)):
        changed += _refresh_currency(currency)
    if changed:
        bump_generation()  # cached pages show the new estimates and price orderings
        logger.info("catalog: %d listing price estimate(s) updated to the current rates",
                    changed)
    return changed
