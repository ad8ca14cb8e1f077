"""Exchange-rate sources against the local price server: each source's documented format,
the request headers, bad answers (malformed, slow, absurd…) that become no quote with a logged
reason, and one bad source not spoiling the others."""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

import pytest

from cryptoshop.rates import actions
from cryptoshop.rates.models import RateQuote
from tests.price_server import (
    EUR,
    SOURCES,
    USD,
    PriceServer,
    coinbase_spot,
    serve_all,
    stored,
)

pytestmark = pytest.mark.django_db

def test_every_source_parses_its_documented_format(rates_settings: Any,
                                                   price_server: PriceServer) -> None:
    serve_all(price_server)
    quotes = actions.refresh_rates()
    assert len(quotes) == 10
    assert all(isinstance(q.rate, Decimal) for q in quotes)
    got = stored()
    for name in SOURCES:
        assert got[(name, "USD")] == Decimal(USD[name])
        assert got[(name, "EUR")] == Decimal(EUR[name])
    # One CoinGecko request for both currencies, one per currency elsewhere.
    assert sum("coingecko" in p for p in price_server.paths()) == 1
    assert len(price_server.paths()) == 9


def test_requests_have_a_user_agent_and_never_send_cookies(rates_settings: Any,
                                                          price_server: PriceServer) -> None:
    serve_all(price_server)
    actions.refresh_rates()
    actions.refresh_rates()  # the first answers all set a cookie
    assert len(price_server.seen) == 18
    for _path, headers in price_server.seen:
        assert headers["user-agent"].startswith("CryptoShop/")
        assert "cookie" not in headers


FAILURES: list[tuple[str, str, Any, int, float]] = [
    # (name, source, payload, HTTP status, delay)
    ("malformed JSON", "coinbase", '{"data": {"amount": "65000.1"', 200, 0),
    ("HTTP 500", "coinbase", {"errors": [{"id": "internal_server_error"}]}, 500, 0),
    ("slower than the timeout", "coinbase", coinbase_spot("65000", "USD"), 200, 1.5),
    ("zero", "coinbase", coinbase_spot("0", "USD"), 200, 0),
    ("negative", "coinbase", coinbase_spot("-65000", "USD"), 200, 0),
    ("absurd", "coinbase", coinbase_spot("1000000000000000", "USD"), 200, 0),
    ("non-numeric", "coinbase", coinbase_spot("sixty-five thousand", "USD"), 200, 0),
    ("NaN", "bitstamp", '{"last": NaN}', 200, 0),
    ("missing field", "coinbase", {"data": {"base": "BTC", "currency": "USD"}}, 200, 0),
    ("wrong pair", "coinbase", coinbase_spot("65000", "EUR"), 200, 0),
    ("kraken error", "kraken", {"error": ["EGeneral:Temporary lockdown"], "result": {}}, 200, 0),
    ("html error page", "binance", "<html><body>451</body></html>", 451, 0),
    ("null", "coingecko", {"bitcoin": {"usd": None}}, 200, 0),
]


@pytest.mark.parametrize(("name", "source", "payload", "status", "delay"), FAILURES,
                         ids=[f[0] for f in FAILURES])
def test_bad_answers_are_no_quote_with_a_logged_reason(
    rates_settings: Any, price_server: PriceServer, caplog: pytest.LogCaptureFixture,
    name: str, source: str, payload: Any, status: int, delay: float,
) -> None:
    rates_settings.RATE_SOURCES = [source]
    rates_settings.RATE_CURRENCIES = ["USD"]
    path = {"coinbase": "/coinbase/v2/prices/BTC-USD/spot",
            "bitstamp": "/bitstamp/api/v2/ticker/btcusd/",
            "kraken": "/kraken/0/public/Ticker?pair=XBTUSD",
            "binance": "/binance/api/v3/ticker/price?symbol=BTCUSDT",
            "coingecko": "/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd"}[source]
    price_server.set(path, payload, status, delay)
    with caplog.at_level(logging.WARNING, logger="cryptoshop.rates"):
        started = time.monotonic()
        assert actions.refresh_rates() == []  # no exception, no quote
        assert time.monotonic() - started < 1.4
    assert RateQuote.objects.count() == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"rates: {source} USD: no quote (") for m in messages), messages


def test_one_bad_source_does_not_spoil_the_others(rates_settings: Any,
                                                  price_server: PriceServer) -> None:
    serve_all(price_server)
    price_server.set("/kraken/0/public/Ticker?pair=XBTUSD", "not json", 200)
    price_server.set("/coinbase/v2/prices/BTC-USD/spot", {}, 503)
    actions.refresh_rates()
    got = stored()
    assert ("kraken", "USD") not in got and ("coinbase", "USD") not in got
    assert got[("kraken", "EUR")] == Decimal("60010")
    snap = actions.current_rate("USD")
    # bitstamp 65020, binance 65030.01, coingecko 65000 → 65020
    assert snap.rate == Decimal("65020")
    assert [s["source"] for s in snap.sources] == ["binance", "bitstamp", "coingecko"]
