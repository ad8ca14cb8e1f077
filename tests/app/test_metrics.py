"""/metrics: Prometheus text that the official parser reads, counters that move, and a
scraper allow-list (token or client address)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.parser import text_string_to_metric_families

from cryptoshop.core import metrics, ratelimit
from cryptoshop.core.errors import RateLimited
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice, Payment
from tests.factories import invoice, make_account, make_order, payout, seller, seller_tpub

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def scrape(client: Client, **headers: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = client.get("/metrics", **headers)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(metrics: dict[str, Any], name: str, **labels: str) -> float:
    return float(metrics.get(name, {}).get(tuple(sorted(labels.items())), 0.0))


def test_request_counters_move_by_route(client: Client) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/health").status_code == 200
    after = scrape(client)
    labels = {"route": "/api/health", "method": "GET", "status": "200"}
    assert value(after, "cryptoshop_http_requests_total", **labels) - value(
        before, "cryptoshop_http_requests_total", **labels) == 3
    count = "cryptoshop_http_request_duration_seconds_count"
    assert value(after, count, route="/api/health") - value(before, count,
                                                            route="/api/health") == 3
    # A path parameter is not a label value: the route pattern is.
    client.get("/api/health/nonsense-123")
    routes = {dict(k)["route"] for k in scrape(client)["cryptoshop_http_requests_total"]}
    assert "/api/health/nonsense-123" not in routes
    assert any("{component}" in r or "<" in r for r in routes)


def test_invoices_by_state_and_rate_limit_refusals(client: Client, settings: Any) -> None:
    # A node is "configured" (on a closed port): invoices need one, nothing here calls it.
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    _owner, store = seller()
    payout(store, seller_tpub(7))
    buyer = make_account()
    first = invoice(make_order(buyer.user, store), buyer.user)
    invoice(make_order(buyer.user, store), buyer.user)
    metrics = scrape(client)
    assert value(metrics, "cryptoshop_invoices", state="new") == 2
    assert value(metrics, "cryptoshop_invoices", state="processing") == 0
    # The payment as the watcher records it: the invoice moves, and so does the gauge.
    Payment.objects.create(invoice=first, txid="ab" * 32, vout=0, value_sat=first.amount_sat)
    assert pay.apply_state(first, 100)
    metrics = scrape(client)
    assert value(metrics, "cryptoshop_invoices", state="new") == 1
    assert value(metrics, "cryptoshop_invoices", state="processing") == 1
    assert Invoice.objects.filter(status="processing").count() == 1

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "metrics-test": (1, 60)}
    ratelimit.hit("metrics-test", "x")
    with pytest.raises(RateLimited):
        ratelimit.hit("metrics-test", "x")
    metrics = scrape(client)
    assert value(metrics, "cryptoshop_rate_limit_refusals_total", scope="metrics-test") >= 1


def test_only_the_scraper_may_read(settings: Any) -> None:
    remote = Client(REMOTE_ADDR="203.0.113.7")
    assert remote.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "scrape-token"
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 404
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200
    settings.METRICS_ALLOW = ["203.0.113.0/24"]
    assert remote.get("/metrics").status_code == 200


def declared_metrics() -> set[str]:
    """Every metric the shop declares: the module-level collectors of core.metrics and the
    scrape-time gauge families the apps register."""
    names = {obj._name for obj in vars(metrics).values()
             if isinstance(obj, (Counter, Gauge, Histogram))}
    return names | set(metrics.GAUGE_FAMILIES)


def test_the_grafana_dashboard_charts_every_metric_and_only_real_ones() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {re.sub(r"_(total|bucket|count|sum)$", "", name)
            for e in exprs for name in re.findall(r"cryptoshop_[a-z_]+", e)}
    assert used == declared_metrics()
