"""The figures the two pages show, shaped the same way whatever they were read from (the
rollups in queries.py, the orders themselves in reference.py), so tests can compare the
two with ==."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptoshop.analytics import current
from cryptoshop.analytics.buckets import add_months, bucket_of, buckets, label, month_start
from cryptoshop.analytics.facts import DAY_FIELDS
from cryptoshop.catalog.models import Category
from cryptoshop.stores.models import Store

Days = Iterable[tuple[date, Mapping[str, int]]]

TOP = 10
COHORT_MONTHS = 12


@dataclass
class ListingTotal:
    listing_id: int
    title: str
    category_id: int | None
    units: int
    revenue_sat: int


@dataclass
class Window:
    """The chart's buckets and the first day and month its figures count from."""

    period: str
    today: date
    starts: list[date] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = buckets(self.period, self.today)

    @property
    def first_day(self) -> date:
        return self.starts[0]

    @property
    def first_month(self) -> date:
        # Listings are rolled up by month: their tables count whole months.
        return month_start(self.first_day)


def series(window: Window, days: Iterable[tuple[date, Mapping[str, int]]]) -> dict[str, Any]:
    """Day figures summed into the window's buckets (zero where nothing happened), and
    their totals."""
    rows = {start: dict.fromkeys(DAY_FIELDS, 0) for start in window.starts}
    for day, values in days:
        if day < window.first_day or day > window.today:
            continue
        cell = rows[bucket_of(day, window.period)]
        for name in DAY_FIELDS:
            cell[name] += int(values.get(name) or 0)
    out: list[dict[str, Any]] = [{"start": start, "label": label(start, window.period), **values}
           for start, values in rows.items()]
    totals = {name: sum(r[name] for r in out) for name in DAY_FIELDS}
    return {"buckets": out, "totals": totals}


def tops(listings: Iterable[ListingTotal]) -> dict[str, list[dict[str, Any]]]:
    """The ten listings with the most sats and the ten with the most units (ties by id)."""
    items = [vars(t) for t in listings if t.units or t.revenue_sat]
    return {
        "top_revenue": sorted(items, key=lambda t: (-t["revenue_sat"], t["listing_id"]))[:TOP],
        "top_units": sorted(items, key=lambda t: (-t["units"], t["listing_id"]))[:TOP],
    }


def by_category(listings: Iterable[ListingTotal], names: Mapping[int, str]) -> list[dict[str, Any]]:
    sums: dict[int | None, dict[str, Any]] = {}
    for t in listings:
        cell = sums.setdefault(t.category_id, {
            "category_id": t.category_id, "units": 0, "revenue_sat": 0,
            "name": names.get(t.category_id or 0, "(listing deleted)")})
        cell["units"] += t.units
        cell["revenue_sat"] += t.revenue_sat
    return sorted(sums.values(), key=lambda c: (-c["revenue_sat"], c["name"]))


def buyers_and_cohorts(today: date, cells: Iterable[tuple[date, date, int]]) -> dict[str, Any]:
    """New and returning buyers per month, and cohort retention, from (cohort month,
    active month, buyers) counts — the last twelve months of each."""
    grid: dict[tuple[date, date], int] = {(c, m): n for c, m, n in cells}
    months = [add_months(month_start(today), -n) for n in range(COHORT_MONTHS - 1, -1, -1)]
    buyers = [{"month": m, "label": label(m, "month"), "new": grid.get((m, m), 0),
               "returning": sum(n for (c, a), n in grid.items() if a == m and c < m)}
              for m in months]
    cohorts = [{"cohort": c, "label": label(c, "month"), "size": grid.get((c, c), 0),
                "counts": [grid.get((c, a), 0) for a in months if a >= c]}
               for c in months]
    return {"buyers": buyers, "cohorts": cohorts, "cohort_months": months}


def median(sorted_values: list[int]) -> int | None:
    """The middle value (the mean of the two middle ones, rounded down, for an even count)."""
    n = len(sorted_values)
    if not n:
        return None
    return (sorted_values[(n - 1) // 2] + sorted_values[n // 2]) // 2


def seller_page(store: Store, window: Window, days: Days,
                listings: list[ListingTotal]) -> dict[str, Any]:
    """Everything /sell/overview/ shows, from days and listing totals however obtained."""
    return {"period": window.period, **series(window, days), **tops(listings),
            "by_status": current.orders_by_status(store),
            "escrow_held": current.escrow_held(store), "payouts": current.payouts(store)}


def operator_page(window: Window, days: Days, listings: list[ListingTotal],
                  cells: Iterable[tuple[date, date, int]], median_seconds: int | None,
                  releases: int) -> dict[str, Any]:
    """Everything /staff/analytics/ shows, likewise."""
    names = dict(Category.objects.filter(id__in={t.category_id for t in listings
                                                 if t.category_id}).values_list("id", "name"))
    return {"period": window.period, **series(window, days), **tops(listings),
            "categories": by_category(listings, names),
            **buyers_and_cohorts(window.today, cells),
            "median_release_seconds": median_seconds, "releases": releases,
            "escrow_held": current.escrow_held()}
