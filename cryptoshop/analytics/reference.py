"""The same figures as queries.py, straight from the orders, invoices, payouts and
refunds (facts.py over all time, nothing read from the rollups). Slow on a big shop; the
tests compare the rollups against it and the benchmark measures both."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from cryptoshop.analytics import facts
from cryptoshop.analytics.figures import ListingTotal, Window, median, operator_page, seller_page
from cryptoshop.stores.models import Store


def _days(store: Store | None) -> list[tuple[date, dict[str, int]]]:
    summed: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(facts.DAY_FIELDS, 0))
    for (store_id, day), values in facts.store_days(None).items():
        if store is None or store_id == store.pk:
            for name, value in values.items():
                summed[day][name] += value
    return list(summed.items())


def _listings(window: Window, store: Store | None) -> list[ListingTotal]:
    summed: dict[int, ListingTotal] = {}
    for (store_id, month, listing_id), cell in facts.listing_months(None).items():
        if month < window.first_month or (store is not None and store_id != store.pk):
            continue
        total = summed.setdefault(listing_id, ListingTotal(listing_id, cell.title,
                                                           cell.category_id, 0, 0))
        total.title = max(total.title, cell.title)
        total.category_id = max((c for c in (total.category_id, cell.category_id)
                                 if c is not None), default=None)
        total.units += cell.units
        total.revenue_sat += cell.revenue_sat
    return list(summed.values())


def _cohort_cells() -> list[tuple[date, date, int]]:
    months: dict[int, set[date]] = defaultdict(set)
    for buyer, month in facts.buyer_months(None):
        months[buyer].add(month)
    counts: dict[tuple[date, date], int] = defaultdict(int)
    for active in months.values():
        first = min(active)
        for month in active:
            counts[(first, month)] += 1
    return [(c, m, n) for (c, m), n in counts.items()]


def seller_figures(store: Store, period: str, today: date) -> dict[str, Any]:
    window = Window(period, today)
    return seller_page(store, window, _days(store), _listings(window, store))


def operator_figures(period: str, today: date) -> dict[str, Any]:
    window = Window(period, today)
    seconds = sorted(s for _, _, day, s in facts.release_times(None) if day >= window.first_day)
    return operator_page(window, _days(None), _listings(window, None), _cohort_cells(),
                         median(seconds), len(seconds))
