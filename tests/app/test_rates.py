"""Exchange rates against a local HTTP server replaying each source's documented answers.

The server on 127.0.0.1 stands in for the internet: Kraken, Bitstamp, Coinbase, Binance and
CoinGecko answer in their documented JSON formats — or with malformed JSON, HTTP 500, a
too-slow answer, zero/negative/absurd/non-numeric prices and missing fields.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cryptoshop.core import jobs
from cryptoshop.core.health import COMPONENT_CHECKS
from cryptoshop.rates import actions, config
from cryptoshop.rates.errors import RateUnavailable
from cryptoshop.rates.health import check_prices
from cryptoshop.rates.models import RateQuote, RateSnapshot

pytestmark = pytest.mark.django_db

SOURCES = ["kraken", "bitstamp", "coinbase", "binance", "coingecko"]


# --- the stand-in for the internet -------------------------------------------------------------

@dataclass
class Reply:
    body: str | bytes
    status: int = 200
    delay: float = 0.0


@dataclass
class PriceServer:
    url: str
    routes: dict[str, Reply] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def set(self, path: str, payload: Any, status: int = 200, delay: float = 0.0) -> None:
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        self.routes[path] = Reply(body, status, delay)

    def paths(self) -> list[str]:
        return [p for p, _ in self.seen]


@pytest.fixture
def price_server() -> Iterator[PriceServer]:
    state = PriceServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            reply = state.routes.get(self.path)
            if reply is None:
                reply = Reply(json.dumps({"message": "not found"}), 404)
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                # A real API may set cookies; the client must never send them back.
                self.send_header("Set-Cookie", "__cf_bm=tracking; Path=/")
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up (timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 64  # the client asks every source at once

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def rates_settings(settings: Any, price_server: PriceServer) -> Any:
    """Every source pointed at the local server; USD and EUR; short timeout; no fixed rate."""
    settings.RATE_SOURCES = SOURCES
    settings.RATE_SOURCE_URLS = {name: f"{price_server.url}/{name}" for name in SOURCES}
    settings.RATE_CURRENCIES = ["USD", "EUR"]
    settings.RATE_FIXED_RATES = ""
    settings.RATE_MIN_SOURCES = 2
    settings.RATE_MAX_AGE_SECONDS = 600
    settings.RATE_OUTLIER_PERCENT = "5"
    settings.RATE_TIMEOUT_SECONDS = "0.5"
    return settings


# --- documented answers ----------------------------------------------------------------------

def kraken_ticker(pair: str, last: str) -> dict[str, Any]:
    # https://docs.kraken.com/api/docs/rest-api/get-ticker-information
    return {"error": [], "result": {pair: {
        "a": [last, "1", "1.000"], "b": [last, "2", "2.000"], "c": [last, "0.00100000"],
        "v": ["1203.10322413", "2400.51210000"], "p": ["64850.12345", "64700.31000"],
        "t": [20313, 41210], "l": ["64000.00000", "63500.00000"],
        "h": ["65500.00000", "65800.00000"], "o": "64500.00000"}}}


def bitstamp_ticker(last: str) -> dict[str, str]:
    # https://www.bitstamp.net/api/#tag/Tickers/operation/GetMarketTicker
    return {"timestamp": "1764400000", "open": "64500", "high": "65500", "low": "64000",
            "last": last, "volume": "1500.12345678", "vwap": "64900", "bid": last,
            "ask": last, "side": "0", "open_24": "64400", "percent_change_24": "0.96"}


def coinbase_spot(amount: str, currency: str) -> dict[str, Any]:
    # https://docs.cdp.coinbase.com/coinbase-app/track-apis/prices#get-spot-price
    return {"data": {"amount": amount, "base": "BTC", "currency": currency}}


def binance_price(symbol: str, price: str) -> dict[str, str]:
    # https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
    return {"symbol": symbol, "price": price}


USD = {"kraken": "65010.00000", "bitstamp": "65020", "coinbase": "65005.12",
       "binance": "65030.01000000", "coingecko": "65000"}
EUR = {"kraken": "60010.00000", "bitstamp": "60020", "coinbase": "60005.12",
       "binance": "60030.01000000", "coingecko": "60000.5"}


def serve_all(srv: PriceServer, usd: dict[str, str] | None = None,
              eur: dict[str, str] | None = None) -> None:
    usd = {**USD, **(usd or {})}
    eur = {**EUR, **(eur or {})}
    srv.set("/kraken/0/public/Ticker?pair=XBTUSD", kraken_ticker("XXBTZUSD", usd["kraken"]))
    srv.set("/kraken/0/public/Ticker?pair=XBTEUR", kraken_ticker("XXBTZEUR", eur["kraken"]))
    srv.set("/bitstamp/api/v2/ticker/btcusd/", bitstamp_ticker(usd["bitstamp"]))
    srv.set("/bitstamp/api/v2/ticker/btceur/", bitstamp_ticker(eur["bitstamp"]))
    srv.set("/coinbase/v2/prices/BTC-USD/spot", coinbase_spot(usd["coinbase"], "USD"))
    srv.set("/coinbase/v2/prices/BTC-EUR/spot", coinbase_spot(eur["coinbase"], "EUR"))
    srv.set("/binance/api/v3/ticker/price?symbol=BTCUSDT", binance_price("BTCUSDT", usd["binance"]))
    srv.set("/binance/api/v3/ticker/price?symbol=BTCEUR", binance_price("BTCEUR", eur["binance"]))
    # CoinGecko answers JSON numbers, not strings: https://docs.coingecko.com/v3.0.1/reference/simple-price
    srv.set("/coingecko/api/v3/simple/price?ids=bitcoin&vs_currencies=usd,eur",
            '{"bitcoin":{"usd":' + usd["coingecko"] + ',"eur":' + eur["coingecko"] + "}}")


def stored() -> dict[tuple[str, str], Decimal]:
    return {(q.source, q.currency): q.rate for q in RateQuote.objects.all()}


# --- sources -------------------------------------------------------------------------------

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


# --- the rule -----------------------------------------------------------------------------

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


# --- fixed rates -----------------------------------------------------------------------------

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


# --- conversion and receipts -----------------------------------------------------------------

def test_exact_fiat_to_sats(settings: Any) -> None:
    settings.RATE_FIXED_RATES = "USD:65000.00,JPY:10000000"
    amount, snap = actions.fiat_to_sats(Decimal("19.99"), "USD")
    # 19.99 * 10^8 / 65000 = 30753.846… → nearest satoshi
    assert amount == 30754 and isinstance(amount, int)
    assert RateSnapshot.objects.get(pk=snap.pk).rate == Decimal("65000")
    # Ties go to even (cryptoshop.btc.amounts.fiat_to_sats): 0.5 → 0, 1.5 → 2, 2.5 → 2
    settings.RATE_FIXED_RATES = "USD:200000000"
    snap = actions.current_rate("USD")
    assert [actions.fiat_to_sats(Decimal(n), "USD", snap)[0] for n in ("1", "3", "5")] == [0, 2, 2]
    # Back to fiat: rounded down to the minor unit.
    settings.RATE_FIXED_RATES = "USD:65000.00,JPY:10000000"
    value, _ = actions.sats_to_fiat(30754, "USD")
    assert value == Decimal("19.99")  # 19.9901 rounded down
    yen, _ = actions.sats_to_fiat(12345, "JPY")
    assert yen == Decimal("1234")  # 1234.5 yen, no minor unit


def test_one_snapshot_prices_several_lines(settings: Any) -> None:
    settings.RATE_FIXED_RATES = "EUR:60000"
    first, snap = actions.fiat_to_sats(Decimal("10.00"), "EUR")
    second, same = actions.fiat_to_sats(Decimal("5.00"), "EUR", snap)
    assert same.pk == snap.pk and RateSnapshot.objects.count() == 1
    assert (first, second) == (16667, 8333)
    with pytest.raises(ValueError, match="snapshot is for EUR"):
        actions.fiat_to_sats(Decimal("1"), "USD", snap)


def test_bad_amounts_are_refused_before_a_receipt(settings: Any) -> None:
    settings.RATE_FIXED_RATES = "USD:65000"
    from cryptoshop.core.errors import ValidationFailed

    for bad in (Decimal("-1"), Decimal("NaN"), 19.99):
        with pytest.raises(ValidationFailed):
            actions.fiat_to_sats(bad, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        actions.fiat_to_sats(Decimal(1), "US DOLLARS")
    assert RateSnapshot.objects.count() == 0


def test_receipt_stores_sources_values_and_time(rates_settings: Any,
                                                price_server: PriceServer) -> None:
    serve_all(price_server)
    before = timezone.now()
    actions.refresh_rates()
    RateQuote.objects.filter(source="kraken", currency="USD").update(
        fetched_at=timezone.now() - timedelta(hours=1))
    amount, snap = actions.fiat_to_sats(Decimal("100"), "USD")
    snap = RateSnapshot.objects.get(pk=snap.pk)
    assert snap.method == "median" and snap.currency == "USD"
    # binance 65030.01, bitstamp 65020, coinbase 65005.12, coingecko 65000 → 65012.56
    assert snap.rate == Decimal("65012.56")
    assert amount == 153816  # 100 * 10^8 / 65012.56 = 153816.32…
    assert [(s["source"], s["rate"]) for s in snap.sources] == [
        ("binance", "65030.01000000"), ("bitstamp", "65020.00000000"),
        ("coinbase", "65005.12000000"), ("coingecko", "65000.00000000")]
    for entry in snap.sources:
        assert before <= timezone.datetime.fromisoformat(entry["fetchedAt"]) <= snap.created_at
    assert snap.excluded[0]["source"] == "kraken" and snap.excluded[0]["reason"] == "stale"
    assert snap.receipt()["rate"] == "65012.56000000"
    assert "median of 4 sources" in snap.label


# --- API, health, job, command -------------------------------------------------------------

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
