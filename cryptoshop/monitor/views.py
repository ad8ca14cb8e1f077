"""The live staff dashboard page. Server-rendered from the last snapshot; live.js swaps
#live-dash in on `metrics:update` and alerts, and without JavaScript the page refreshes
itself (a <noscript> meta refresh)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cryptoshop.accounts.who import staff_with_2fa
from cryptoshop.monitor import alerts

SPARK_WIDTH, SPARK_HEIGHT = 300, 48


def sparkline(values: list[int]) -> str:
    """SVG polyline points for counts, scaled to the sparkline box (the tallest minute
    touches the top; an all-zero series lies on the baseline)."""
    if not values:
        return ""
    top = max(values) or 1
    step = SPARK_WIDTH / max(1, len(values) - 1)
    return " ".join(f"{round(i * step, 1)},{round(SPARK_HEIGHT - v * SPARK_HEIGHT / top, 1)}"
                    for i, v in enumerate(values))


@staff_with_2fa
def live(request: HttpRequest) -> HttpResponse:
    snapshot = alerts.current()
    return render(request, "monitor/live.html", {
        "snapshot": snapshot,
        "bad": snapshot.bad_components(),
        "recent": alerts.recent_alerts()[:20],
        "orders_line": sparkline(snapshot.orders_per_minute),
        "payments_line": sparkline(snapshot.payments_per_minute),
        "spark_width": SPARK_WIDTH, "spark_height": SPARK_HEIGHT,
        "refresh_seconds": max(5, settings.LIVE_DASHBOARD_SECONDS),
        "room": alerts.STAFF_ROOM,
    })
