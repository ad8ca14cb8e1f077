"""/sell/overview/: the seller's sales overview — sats received and paid out by period,
orders by status, top listings, refunds and disputes, escrow, payouts — from the
analytics rollups, with a CSV of every table."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cryptoshop.accounts.who import page_user
from cryptoshop.analytics import charts, export, queries
from cryptoshop.analytics.buckets import PERIODS, clean_period, local_date
from cryptoshop.stores import actions

SERIES_COLUMNS = [("settled_sat", "Received", "sats"), ("paid_out_sat", "Paid out", "sats"),
                  ("orders_paid", "Orders paid", ""), ("refunded_sat", "Refunded", "sats")]


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    store = actions.store_of(page_user(request))
    if store is None:
        return redirect("sell:open")
    period = clean_period(request.GET.get("period"))
    figures = queries.seller_figures(store, period, local_date(timezone.now()))
    if request.GET.get("format") == "csv":
        return export.csv_response(figures, request.GET.get("table", "sales"),
                                   export.SELLER_TABLES, f"{store.slug}-{period}")
    return render(request, "sell/overview.html", {
        "store": store, "f": figures, "periods": PERIODS, "period": period,
        "series_columns": SERIES_COLUMNS, "time_zone": settings.TIME_ZONE,
        "received_chart": charts.columns(figures["buckets"], "settled_sat", "sats"),
        "paid_out_chart": charts.columns(figures["buckets"], "paid_out_sat", "sats"),
        "orders_chart": charts.columns(figures["buckets"], "orders_paid", "orders"),
        "top_chart": charts.bars(figures["top_revenue"], "revenue_sat", "title"),
        "units_chart": charts.bars(figures["top_units"], "units", "title"),
        "status_chart": charts.bars(figures["by_status"], "orders", "label"),
    })
