"""The displayed rate (GET /api/bitcoin/price, the catalogue's estimates, the health check)
is kept in the cache instead of being recomputed for every request — but a refresh that
writes new quotes shows at once, a quote going stale shows at once, a changed setting
shows at once, and invoices are always priced from a fresh computation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cryptoshop.rates import actions
from cryptoshop.rates.models import RateQuote
from tests.price_server import PriceServer, serve_all
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db


def _api_rate(client: Client) -> str:
    answer = client.get("/api/bitcoin/price?currency=USD")
    assert answer.status_code == 200, answer.content
    return str(answer.json()["data"]["rate"])


def test_the_price_is_computed_once_then_served_from_the_cache(
        rates_settings: Any, price_server: PriceServer, client: Client) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    assert _api_rate(client) == "65010.00000000"
    with assert_database_query_count(0):
        assert actions.rate_now("USD") == Decimal("65010")
        assert actions.display_rate("usd").rate == Decimal("65010")


def test_a_refresh_with_new_quotes_is_visible_at_once(
        rates_settings: Any, price_server: PriceServer, client: Client) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    assert _api_rate(client) == "65010.00000000"
    serve_all(price_server, usd={"kraken": "70000", "bitstamp": "70000", "coinbase": "70000",
                                 "binance": "70000", "coingecko": "70000"})
    actions.refresh_rates()
    assert _api_rate(client) == "70000.00000000"
    assert actions.rate_now("USD") == Decimal("70000")


def test_a_quote_going_stale_is_not_hidden_by_the_cache(
        rates_settings: Any, price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    now = timezone.now()
    rate = actions.compute_rate("USD")
    max_age = timedelta(minutes=10)
    fetched = rate.oldest_fetch
    # Fresh quotes: the whole cache time. Quotes 20 s from the limit: 20 s, then the rate
    # is recomputed (and excludes them). Past it, or one second from it: not cached.
    assert actions.display_seconds(rate, max_age, fetched) == actions.DISPLAY_CACHE_SECONDS
    assert actions.display_seconds(rate, max_age, fetched + timedelta(minutes=9, seconds=40)) == 20
    assert actions.display_seconds(rate, max_age, fetched + timedelta(minutes=9,
                                                                      seconds=59.5)) == 0
    assert actions.display_seconds(rate, max_age, fetched + timedelta(minutes=11)) == 0
    fixed = actions.aggregate.fixed("USD", Decimal("50000"), now=now)
    assert actions.display_seconds(fixed, max_age, now) == actions.DISPLAY_CACHE_SECONDS


def test_a_changed_setting_is_visible_at_once(rates_settings: Any,
                                              price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    assert actions.rate_now("USD") == Decimal("65010")
    rates_settings.RATE_FIXED_RATES = "USD:50000"
    assert actions.rate_now("USD") == Decimal("50000")


def test_invoices_price_from_a_fresh_computation(rates_settings: Any,
                                                 price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    assert actions.rate_now("USD") == Decimal("65010")
    # Written behind the cache's back: the display may lag, the receipt must not.
    RateQuote.objects.filter(currency="USD").update(rate=Decimal("80000"))
    _sats, snapshot = actions.fiat_to_sats(Decimal("80"), "USD")
    assert snapshot.rate == Decimal("80000")
