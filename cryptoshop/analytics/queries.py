"""The pages' figures read from the rollup tables: a handful of grouped queries over
small tables, whatever the number of orders (docs/benchmarks.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Max, QuerySet, Sum

from cryptoshop.analytics.facts import DAY_FIELDS
from cryptoshop.analytics.figures import ListingTotal, Window, operator_page, seller_page
from cryptoshop.analytics.models import CohortCell, ListingMonth, ReleaseTime, StoreDay
from cryptoshop.stores.models import Store


def _days(window: Window, store: Store | None) -> list[tuple[date, dict[str, int]]]:
    qs: QuerySet[Any] = StoreDay.objects.filter(day__gte=window.first_day, day__lte=window.today)
    if store is not None:
        qs = qs.filter(store=store)
    rows = qs.order_by().values("day").annotate(**{f"sum_{f}": Sum(f) for f in DAY_FIELDS})
    return [(r["day"], {f: r[f"sum_{f}"] for f in DAY_FIELDS}) for r in rows]


def _listings(window: Window, store: Store | None) -> list[ListingTotal]:
    qs: QuerySet[Any] = ListingMonth.objects.filter(month__gte=window.first_month)
    if store is not None:
        qs = qs.filter(store=store)
    rows = (qs.order_by().values("listing_id")
            .annotate(t=Max("title"), c=Max("category_id"), u=Sum("units"),
                      r=Sum("revenue_sat")))
    return [ListingTotal(r["listing_id"], r["t"], r["c"], int(r["u"]), int(r["r"]))
            for r in rows]


def _median_release(window: Window) -> tuple[int | None, int]:
    qs = ReleaseTime.objects.filter(day__gte=window.first_day).order_by("seconds")
    n = qs.count()
    if not n:
        return None, 0
    middle = list(qs.values_list("seconds", flat=True)[(n - 1) // 2:n // 2 + 1])
    return (middle[0] + middle[-1]) // 2, n


def seller_figures(store: Store, period: str, today: date) -> dict[str, Any]:
    window = Window(period, today)
    return seller_page(store, window, _days(window, store), _listings(window, store))


def operator_figures(period: str, today: date) -> dict[str, Any]:
    window = Window(period, today)
    median, releases = _median_release(window)
    return operator_page(window, _days(window, None), _listings(window, None),
                         CohortCell.objects.values_list("cohort", "month", "buyers"),
                         median, releases)
