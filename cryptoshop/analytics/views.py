"""/staff/analytics/: the operator's sales analytics (staff with 2FA), from the rollups.
Counts only: no buyer is named or followed anywhere on the page (docs/analytics.md)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cryptoshop.accounts.who import staff_with_2fa
from cryptoshop.analytics import charts, export, queries
from cryptoshop.analytics.buckets import PERIODS, clean_period, local_date
from cryptoshop.analytics.models import RollupState

SERIES_COLUMNS = [("settled_sat", "Revenue", "sats"), ("orders_paid", "Orders paid", ""),
                  ("fee_sat", "Fee income", "sats"), ("refunded_sat", "Refunded", "sats"),
                  ("disputes", "Disputes", "")]


def percent(part: int, whole: int) -> str:
    """"3.2%" in integer arithmetic (one decimal, rounded half up)."""
    if not whole:
        return "—"
    tenths = (part * 1000 * 2 + whole) // (whole * 2)
    return f"{tenths // 10}.{tenths % 10}%"


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    days, rest = divmod(seconds, 86400)
    return f"{days} d {rest // 3600} h" if days else f"{rest // 3600} h {rest % 3600 // 60} min"


@require_GET
@staff_with_2fa
def staff_analytics(request: HttpRequest) -> HttpResponse:
    period = clean_period(request.GET.get("period"))
    figures = queries.operator_figures(period, local_date(timezone.now()))
    if request.GET.get("format") == "csv":
        return export.csv_response(figures, request.GET.get("table", "sales"),
                                   export.OPERATOR_TABLES, f"analytics-{period}")
    totals = figures["totals"]
    return render(request, "analytics/staff.html", {
        "f": figures, "periods": PERIODS, "period": period, "time_zone": settings.TIME_ZONE,
        "series_columns": SERIES_COLUMNS,
        "state": RollupState.objects.filter(name="sales").first(),
        "revenue_chart": charts.columns(figures["buckets"], "settled_sat", "sats"),
        "fee_chart": charts.columns(figures["buckets"], "fee_sat", "sats"),
        "top_chart": charts.bars(figures["top_revenue"], "revenue_sat", "title"),
        "units_chart": charts.bars(figures["top_units"], "units", "title"),
        "category_chart": charts.bars(figures["categories"], "revenue_sat", "name"),
        "buyers_new_chart": charts.columns(figures["buyers"], "new", "buyers"),
        "buyers_returning_chart": charts.columns(figures["buyers"], "returning", "buyers"),
        "dispute_rate": percent(totals["disputes"], totals["escrow_orders_paid"]),
        "median_release": duration(figures["median_release_seconds"]),
    })
