"""The price API, the prices health component, the refresh job and the `rates` command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from cryptoshop.core import health, jobs
from cryptoshop.core.health import COMPONENT_CHECKS
from cryptoshop.rates import actions
from cryptoshop.rates.health import check_prices
from cryptoshop.rates.models import RateQuote, RateSnapshot
from tests.price_server import (
    SOURCES,
    PriceServer,
    serve_all,
)

pytestmark = pytest.mark.django_db

def test_price_api(rates_settings: Any, price_server: PriceServer, client: Client) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    answer = client.get("/api/bitcoin/price?currency=usd")
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is True
    data = body["data"]
    assert data["currency"] == "USD" and data["rate"] == "65010.00000000"
    assert data["method"] == "median"
    assert [s["source"] for s in data["sources"]] == sorted(SOURCES)
    assert all(isinstance(s["ageSeconds"], int) and 0 <= s["ageSeconds"] < 60
               for s in data["sources"])
    assert data["fetchedAt"]
    assert RateSnapshot.objects.count() == 0  # looking is not pricing: no receipt rows
    assert client.get("/api/bitcoin/price").json()["data"]["currency"] == "USD"
    bad = client.get("/api/bitcoin/price?currency=DOLLARS")
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"


def test_health_component(settings: Any, client: Client,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Not registered unless the site configured rates, so /api/health stays 200 in tests …
    assert ("prices" in COMPONENT_CHECKS) == settings.RATE_HEALTH
    # … and when a site configures rates, ready() registers this check.
    monkeypatch.setitem(COMPONENT_CHECKS, "prices", check_prices)
    monkeypatch.setattr(health, "BASIC", {*health.BASIC, "prices"})
    settings.RATE_SOURCES = ["none"]
    answer = client.get("/api/health")
    assert answer.status_code == 503
    assert answer.json()["data"]["components"]["prices"].startswith("rate unavailable")
    settings.RATE_FIXED_RATES = "USD:65000"
    answer = client.get("/api/health")
    assert answer.status_code == 200
    assert answer.json()["data"]["components"]["prices"] == "ok"


def test_refresh_job_is_registered_and_idle_without_sources(settings: Any) -> None:
    job = jobs._jobs["refresh_rates"]
    assert job.every_seconds == 60
    settings.RATE_SOURCES = ["none"]
    assert job.run() is None
    assert RateQuote.objects.count() == 0


def test_rates_command(rates_settings: Any, price_server: PriceServer) -> None:
    serve_all(price_server)
    out = StringIO()
    call_command("rates", "refresh", stdout=out)
    text = out.getvalue()
    assert "USD kraken     65010.00000000" in text
    assert "10 quotes from 5 of 5 sources" in text
    out = StringIO()
    call_command("rates", "show", "USD", stdout=out)
    assert out.getvalue().startswith("USD: 65010.00000000 (median)")
    assert "coingecko  65000.00000000" in out.getvalue()
