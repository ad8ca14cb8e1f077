"""Adapters for public BTC price sources, and the HTTP client that asks them.

Each source is a small class: a name, a default base URL (overridable per site with
``CRYPTOSHOP_RATE_SOURCE_URLS`` — tests point it at a local server), the fiat currencies it
quotes, the request path per currency and a parser of its documented JSON answer.

Every failure — HTTP error, timeout, redirect, oversized or malformed body, missing field,
non-numeric, zero, negative or absurd value — becomes "no quote" with a logged reason.
Nothing here raises to the caller and nothing here touches the database, so the fetches can
run in threads. JSON is parsed with ``parse_float=Decimal`` and ``NaN``/``Infinity`` are
refused: no ``float`` ever holds a price.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# DecimalField(20, 8) holds < 10^12; no fiat currency we list is anywhere near that.
MAX_RATE = Decimal(10) ** 12
RATE_PLACES = Decimal("0.00000001")
MAX_BODY_BYTES = 256 * 1024
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Quote:
    """One source's price of 1 BTC in ``currency`` (fiat units, exact Decimal, 8 places)."""

    source: str
    currency: str
    rate: Decimal
    fetched_at: datetime


class BadAnswer(Exception):
    """A source answered with something we can't use; ``str()`` is the logged reason."""


@dataclass(frozen=True)
class SourceRequest:
    """One HTTP GET: ``path`` (with query) appended to the base URL, and what it prices."""

    path: str
    currencies: tuple[str, ...]


class Source:
    name: ClassVar[str]
    default_base_url: ClassVar[str]
    currencies: ClassVar[frozenset[str]]
    note: ClassVar[str] = ""

    def __init__(self, base_url: str | None = None) -> None:
        url = (base_url or self.default_base_url).rstrip("/")
        if urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError(f"{self.name}: base URL must be http(s), got {url!r}")
        self.base_url = url

    def requests(self, currencies: Iterable[str]) -> list[SourceRequest]:
        """One request per supported currency (sources with a batch endpoint override)."""
        return [SourceRequest(self.path_for(c), (c,)) for c in currencies if c in self.currencies]

    def path_for(self, currency: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def parse(self, payload: Any, currencies: tuple[str, ...]) -> dict[str, Any]:
        """Map currency -> the raw price value found in ``payload`` (validated later).

        Raises :class:`BadAnswer` when the answer's shape is wrong; a currency simply
        absent from the result is left out (and logged as missing by the caller).
        """
        raise NotImplementedError  # pragma: no cover

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"


def _get(obj: Any, key: str) -> Any:
    if not isinstance(obj, dict):
        raise BadAnswer(f"expected an object holding {key!r}, got {type(obj).__name__}")
    if key not in obj:
        raise BadAnswer(f"missing field {key!r}")
    return obj[key]


class Kraken(Source):
    """``GET /0/public/Ticker?pair=XBTUSD`` →
    ``{"error": [], "result": {"XXBTZUSD": {"c": ["<last price>", "<lot volume>"], …}}}``.
    The price is ``c[0]``, the last trade closed."""

    name = "kraken"
    default_base_url = "https://api.kraken.com"
    currencies = frozenset({"USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY"})

    def path_for(self, currency: str) -> str:
        return f"/0/public/Ticker?pair=XBT{currency}"

    def parse(self, payload: Any, currencies: tuple[str, ...]) -> dict[str, Any]:
        (currency,) = currencies
        errors = _get(payload, "error")
        if errors:
            raise BadAnswer(f"error {errors!r}")
        result = _get(payload, "result")
        if not isinstance(result, dict) or len(result) != 1:
            raise BadAnswer("expected exactly one pair in 'result'")
        ((pair, ticker),) = result.items()
        # XBTUSD answers as XXBTZUSD, XBTCHF as XBTCHF: the quote currency is the suffix.
        if not str(pair).endswith(currency) or "XBT" not in str(pair):
            raise BadAnswer(f"unexpected pair {pair!r}")
        last = _get(ticker, "c")
        if not isinstance(last, list) or not last:
            raise BadAnswer("field 'c' is not a non-empty list")
        return {currency: last[0]}


class Bitstamp(Source):
    """``GET /api/v2/ticker/btcusd/`` → ``{"last": "65000", "bid": …, "ask": …, …}``
    (numbers as strings). The price is ``last``."""

    name = "bitstamp"
    default_base_url = "https://www.bitstamp.net"
    currencies = frozenset({"USD", "EUR", "GBP"})

    def path_for(self, currency: str) -> str:
        return f"/api/v2/ticker/btc{currency.lower()}/"

    def parse(self, payload: Any, currencies: tuple[str, ...]) -> dict[str, Any]:
        (currency,) = currencies
        return {currency: _get(payload, "last")}


class Coinbase(Source):
    """``GET /v2/prices/BTC-USD/spot`` →
    ``{"data": {"amount": "65000.12", "base": "BTC", "currency": "USD"}}``."""

    name = "coinbase"
    default_base_url = "https://api.coinbase.com"
    currencies = frozenset({"USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY"})

    def path_for(self, currency: str) -> str:
        return f"/v2/prices/BTC-{currency}/spot"

    def parse(self, payload: Any, currencies: tuple[str, ...]) -> dict[str, Any]:
        (currency,) = currencies
        data = _get(payload, "data")
        if _get(data, "base") != "BTC" or _get(data, "currency") != currency:
            raise BadAnswer(f"answer is for {data.get('base')}-{data.get('currency')}")
        return {currency: _get(data, "amount")}


class Binance(Source):
    """``GET /api/v3/ticker/price?symbol=BTCUSDT`` → ``{"symbol": "BTCUSDT", "price": "…"}``.

    Binance has no BTC/USD market. Its BTC/USDT price is used as a *USD* quote: USDT is a
    stablecoin that normally trades within a fraction of a percent of 1 USD, and the
    outlier rule drops this quote if USDT departs from USD by more than the allowed spread.
    EUR uses the real BTC/EUR market. Operators who don't want a stablecoin proxy leave
    ``binance`` out of ``CRYPTOSHOP_RATE_SOURCES``.
    """

    name = "binance"
    default_base_url = "https://api.binance.com"
    symbols: ClassVar[dict[str, str]] = {"USD": "BTCUSDT", "EUR": "BTCEUR"}
    currencies = frozenset(symbols)
    note = "USD is quoted from the BTC/USDT market (USDT treated as USD)"

    def path_for(self, currency: str) -> str:
        return f"/api/v3/ticker/price?symbol={self.symbols[currency]}"

    def parse(self, payload: Any, currencies: tuple[str, ...]) -> dict[str, Any]:
        (currency,) = currencies
        if _get(payload, "symbol") != self.symbols[currency]:
            raise BadAnswer(f"answer is for symbol {payload.get('symbol')!r}")
        return {currency: _get(payload, "price")}


class CoinGecko(Source):
    """``GET /api/v3/simple/price?ids=bitcoin&vs_currencies=usd,eur`` →
    ``{"bitcoin": {"usd": 65000, "eur": 60000.5}}`` (JSON numbers; one request for all)."""

    name = "coingecko"
    default_base_url = "https://api.coingecko.com"
    currencies = frozenset({"USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY"})

    def requests(self, currencies: Iterable[str]) -> list[SourceRequest]:
        wanted = tuple(c for c in currencies if c in self.currencies)
        if not wanted:
            return []
        vs = ",".join(c.lower() for c in wanted)
        return [SourceRequest(f"/api/v3/simple/price?ids=bitcoin&vs_currencies={vs}", wanted)]

    def parse(self, payload: Any, currencies: tuple[str, ...]) -> dict[str, Any]:
        prices = _get(payload, "bitcoin")
        if not isinstance(prices, dict):
            raise BadAnswer("field 'bitcoin' is not an object")
        return {c: prices[c.lower()] for c in currencies if c.lower() in prices}


SOURCES: dict[str, type[Source]] = {
    cls.name: cls for cls in (Kraken, Bitstamp, Coinbase, Binance, CoinGecko)
}


def to_rate(value: Any) -> Decimal:
    """A source's raw price as an exact, positive, plausible Decimal with 8 places."""
    if isinstance(value, bool) or value is None:
        raise BadAnswer(f"not a number: {value!r}")
    if isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, Decimal):
        dec = value
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            raise BadAnswer(f"not a number: {value[:40]!r}")
        dec = Decimal(text)
    else:  # float can't happen (parse_float=Decimal); lists, objects … are wrong answers
        raise BadAnswer(f"not a number: {type(value).__name__}")
    if not dec.is_finite():
        raise BadAnswer("not a finite number")
    if dec <= 0:
        raise BadAnswer(f"not a positive price: {dec}")
    if dec >= MAX_RATE:
        raise BadAnswer(f"absurd price: {dec}")
    try:
        rate = dec.quantize(RATE_PLACES)
    except InvalidOperation as exc:  # pragma: no cover - bounded above
        raise BadAnswer(f"unusable price: {dec}") from exc
    if rate <= 0:
        raise BadAnswer(f"price rounds to zero: {dec}")
    return rate


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not a price")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A price API that redirects is misconfigured or intercepted: a failure, not a hop.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())  # no cookie processor: no cookies


def get_json(url: str, *, timeout: float, user_agent: str) -> Any:
    """GET ``url`` and parse JSON with Decimal numbers; any failure is :class:`BadAnswer`."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise BadAnswer("only http(s) URLs are fetched")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, headers={"User-Agent": user_agent, "Accept": "application/json"}
    )
    try:
        with _opener.open(request, timeout=timeout) as answer:
            body = answer.read(MAX_BODY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise BadAnswer(f"HTTP {exc.code}") from None
    except TimeoutError:
        raise BadAnswer(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise BadAnswer(f"no answer within {timeout:g} s") from None
        raise BadAnswer(f"unreachable: {reason}") from None
    except (OSError, ValueError) as exc:  # connection reset, bad status line, …
        raise BadAnswer(f"connection failed: {type(exc).__name__}") from None
    if len(body) > MAX_BODY_BYTES:
        raise BadAnswer("answer too large")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BadAnswer("malformed JSON") from None


def fetch_request(
    source: Source, req: SourceRequest, *, timeout: float, user_agent: str
) -> list[Quote]:
    """Run one request of one source; quotes for what it priced, failures logged."""
    try:
        payload = get_json(source.base_url + req.path, timeout=timeout, user_agent=user_agent)
        raw = source.parse(payload, req.currencies)
    except BadAnswer as exc:
        logger.warning("rates: %s %s: no quote (%s)", source.name, ",".join(req.currencies), exc)
        return []
    except Exception:  # a parser bug must not take the refresh down
        logger.exception("rates: %s %s: no quote (parser error)", source.name,
                         ",".join(req.currencies))
        return []
    fetched_at = datetime.now(UTC)
    quotes = []
    for currency in req.currencies:
        if currency not in raw:
            logger.warning("rates: %s %s: no quote (missing in answer)", source.name, currency)
            continue
        try:
            rate = to_rate(raw[currency])
        except BadAnswer as exc:
            logger.warning("rates: %s %s: no quote (%s)", source.name, currency, exc)
            continue
        quotes.append(Quote(source.name, currency, rate, fetched_at))
    return quotes


def fetch_all(
    sources: Sequence[Source], currencies: Sequence[str], *, timeout: float, user_agent: str
) -> list[Quote]:
    """Ask every source for every currency it supports, in parallel; never raises.

    Returns within about twice ``timeout``: a request still running then is abandoned
    (its thread finishes on its own socket timeout and its answer is discarded).
    """
    jobs = [(source, req) for source in sources for req in source.requests(currencies)]
    if not jobs:
        return []
    pool = ThreadPoolExecutor(max_workers=min(16, len(jobs)), thread_name_prefix="rates")
    try:
        futures = [pool.submit(fetch_request, s, r, timeout=timeout, user_agent=user_agent)
                   for s, r in jobs]
        _done, pending = wait(futures, timeout=timeout * 2 + 1, return_when=ALL_COMPLETED)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    quotes: list[Quote] = []
    for (source, req), future in zip(jobs, futures, strict=True):
        if future in pending:
            logger.warning("rates: %s %s: no quote (gave up waiting)", source.name,
                           ",".join(req.currencies))
            continue
        quotes.extend(future.result())  # fetch_request never raises
    return quotes
