"""The pricing rule: the median of fresh quotes, outliers dropped and recorded, stale quotes
ignored, too few or disagreeing sources refusing to price, disabled sources, and Binance's
USDT standing in for USD."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cryptoshop.rates import actions
from cryptoshop.rates.errors import RateUnavailable
from cryptoshop.rates.models import RateQuote, RateSnapshot
from tests.price_server import (
    PriceServer,
    serve_all,
)

pytestmark = pytest.mark.django_db

def test_rate_is_the_median_of_fresh_quotes(rates_settings: Any,
                                            price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    # USD: 65000, 65005.12, 65010, 65020, 65030.01 → 65010
    assert actions.compute_rate("USD").rate == Decimal("65010.00000000")
    rates_settings.RATE_SOURCES = ["kraken", "bitstamp", "coinbase", "coingecko"]
    # even count: mean of the middle two, 65005.12 and 65010
    assert actions.compute_rate("USD").rate == Decimal("65007.56")
    assert actions.compute_rate("eur").rate == Decimal("60007.56")


def test_an_outlier_is_dropped_and_recorded(rates_settings: Any,
                                            price_server: PriceServer) -> None:
    serve_all(price_server, usd={"binance": "80000"})
    actions.refresh_rates()
    snap = actions.current_rate("USD")
    # median of all five is 65010; 80000 is 23% off → dropped; median of the other four
    assert snap.rate == Decimal("65007.56")
    assert "binance" not in [s["source"] for s in snap.sources]
    assert [(e["source"], e["rate"]) for e in snap.excluded] == [("binance", "80000.00000000")]
    assert "5% from the median" in snap.excluded[0]["reason"]


def test_outlier_threshold_is_configurable(rates_settings: Any,
                                           price_server: PriceServer) -> None:
    serve_all(price_server, usd={"binance": "67000"})  # ~3.06% above the median 65010
    actions.refresh_rates()
    assert len(actions.compute_rate("USD").used) == 5
    rates_settings.RATE_OUTLIER_PERCENT = "2"
    rate = actions.compute_rate("USD")
    assert [q.source for q in rate.used] == ["bitstamp", "coinbase", "coingecko", "kraken"]


def test_stale_quotes_are_ignored(rates_settings: Any, price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    old = timezone.now() - timedelta(minutes=11)
    RateQuote.objects.filter(source__in=["kraken", "bitstamp", "coinbase"]).update(
        fetched_at=old)
    rate = actions.compute_rate("USD")
    assert sorted(q.source for q in rate.used) == ["binance", "coingecko"]
    assert rate.rate == Decimal("65015.00500000")  # (65000 + 65030.01) / 2
    RateQuote.objects.filter(source="binance").update(fetched_at=old)
    with pytest.raises(RateUnavailable) as exc:
        actions.compute_rate("USD")
    assert exc.value.message == "rate unavailable: only 1 of 2 required sources answered"
    rates_settings.RATE_MAX_AGE_SECONDS = 3600  # freshness is configurable
    assert len(actions.compute_rate("USD").used) == 5


def test_too_few_sources_refuses_to_price(rates_settings: Any, price_server: PriceServer,
                                          client: Client) -> None:
    serve_all(price_server)
    for path in list(price_server.routes):
        if "coinbase" not in path:
            price_server.set(path, "", 500)
    actions.refresh_rates()
    with pytest.raises(RateUnavailable) as exc:
        actions.current_rate("USD")
    assert str(exc.value) == "rate unavailable: only 1 of 2 required sources answered"
    with pytest.raises(RateUnavailable):
        actions.fiat_to_sats(Decimal("19.99"), "USD")
    assert RateSnapshot.objects.count() == 0  # no receipt for a refused price

    answer = client.get("/api/bitcoin/price?currency=USD")
    assert answer.status_code == 503
    assert answer.json() == {"success": False, "error": "rate_unavailable",
                             "message": "rate unavailable: only 1 of 2 required sources answered"}

    rates_settings.RATE_MIN_SOURCES = 1  # the minimum is configurable
    assert actions.current_rate("USD").rate == Decimal("65005.12")


def test_sources_that_disagree_are_refused(rates_settings: Any,
                                           price_server: PriceServer) -> None:
    rates_settings.RATE_SOURCES = ["kraken", "coinbase"]
    serve_all(price_server, usd={"kraken": "65000", "coinbase": "75000"})
    actions.refresh_rates()
    with pytest.raises(RateUnavailable) as exc:
        actions.compute_rate("USD")
    assert exc.value.message.startswith("rate unavailable: only 0 of 2 required sources agree")


def test_disabled_sources_are_neither_asked_nor_counted(rates_settings: Any,
                                                        price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    rates_settings.RATE_SOURCES = ["kraken", "bitstamp"]
    price_server.seen.clear()
    actions.refresh_rates()
    assert all(p.startswith(("/kraken/", "/bitstamp/")) for p in price_server.paths())
    assert sorted(q.source for q in actions.compute_rate("USD").used) == ["bitstamp", "kraken"]
    rates_settings.RATE_SOURCES = ["none"]
    price_server.seen.clear()
    assert actions.refresh_rates() == []
    assert price_server.seen == []
    with pytest.raises(RateUnavailable, match="no price sources are enabled"):
        actions.compute_rate("USD")


def test_binance_prices_usd_from_usdt(rates_settings: Any, price_server: PriceServer) -> None:
    serve_all(price_server)
    rates_settings.RATE_SOURCES = ["binance"]
    rates_settings.RATE_CURRENCIES = ["USD", "EUR", "GBP"]
    quotes = actions.refresh_rates()
    assert {(q.currency, q.rate) for q in quotes} == {
        ("USD", Decimal("65030.01")), ("EUR", Decimal("60030.01"))}
    assert "/binance/api/v3/ticker/price?symbol=BTCUSDT" in price_server.paths()
    assert not any("GBP" in p for p in price_server.paths())  # not supported: not asked
