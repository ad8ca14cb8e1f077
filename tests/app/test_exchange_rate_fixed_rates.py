"""Fixed rates (CRYPTOSHOP_FIXED_RATES): they win and are labelled; bad fixed rates and bad
rate settings fail at start-up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from cryptoshop.rates import actions, config
from cryptoshop.rates.errors import RateUnavailable
from tests.price_server import (
    PriceServer,
    serve_all,
)

pytestmark = pytest.mark.django_db

def test_fixed_rate_wins_and_is_labelled(rates_settings: Any, price_server: PriceServer,
                                         client: Client) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    rates_settings.RATE_FIXED_RATES = "USD:65000.00,EUR:60000"
    price_server.seen.clear()
    assert actions.refresh_rates() == []
    assert price_server.seen == []  # fixed-rate mode never goes online

    snap = actions.current_rate("USD")
    assert snap.method == "fixed" and snap.is_fixed
    assert snap.rate == Decimal("65000")
    assert [s["source"] for s in snap.sources] == ["fixed"]
    assert "fixed operator rate" in snap.label

    body = client.get("/api/bitcoin/price?currency=EUR").json()
    assert body["success"] is True
    assert body["data"]["method"] == "fixed"
    assert body["data"]["rate"] == "60000.00000000"
    assert body["data"]["sources"][0]["source"] == "fixed"

    with pytest.raises(RateUnavailable, match="no fixed rate for GBP"):
        actions.current_rate("GBP")


@pytest.mark.parametrize("bad", ["USD", "USD:abc", "USD:0", "US:100", "USD:-1", "USD:1e20"])
def test_bad_fixed_rates_fail_at_start_up(bad: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="CRYPTOSHOP_FIXED_RATES"):
        config.parse_fixed_rates(bad)


def test_bad_settings_are_refused(settings: Any) -> None:
    settings.RATE_SOURCES = ["kraken", "bitfinex"]
    with pytest.raises(ImproperlyConfigured, match="bitfinex"):
        config.load()
    settings.RATE_SOURCES = ["kraken"]
    settings.RATE_SOURCE_URLS = "kraken=file:///etc/passwd"
    with pytest.raises(ImproperlyConfigured, match="http"):
        config.load()
