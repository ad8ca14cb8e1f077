"""A local HTTP server standing in for the internet in the exchange-rate tests: Kraken,
Bitstamp, Coinbase, Binance and CoinGecko answer in their documented JSON formats (or with
whatever a test makes them say), plus the settings pointing the rates at it.

The fixtures ``price_server`` and ``rates_settings`` are imported by name into the rate test
modules (test_exchange_rate_*.py, listed in their ``__all__``)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cryptoshop.rates.models import RateQuote

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
