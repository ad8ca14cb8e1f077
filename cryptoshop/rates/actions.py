"""Exchange-rate actions: refresh the quotes, compute a rate, snapshot it, convert amounts.

What invoices call:

- ``current_rate(currency) -> RateSnapshot`` — a stored receipt, or RateUnavailable (503);
- ``fiat_to_sats(amount, currency, snapshot=None) -> (sats, snapshot)`` — exact, rounded to
  the nearest satoshi, ties to even (``cryptoshop.btc.amounts.fiat_to_sats``);
- ``sats_to_fiat(amount_sat, currency, snapshot=None) -> (fiat, snapshot)`` — rounded down
  to the currency's minor unit.

What the catalogue's estimates call (no receipt is written):

- ``rate_now(currency) -> Decimal | None`` — the rate now, or None when there is none;
- ``estimate_sats(amount, rate) -> int | None`` — the same conversion as ``fiat_to_sats``.

``display_rate(currency)`` (rate_now, GET /api/bitcoin/price, the health check) is
``compute_rate`` kept in the cache for up to DISPLAY_CACHE_SECONDS, never past the moment a
quote it used goes stale, and dropped whenever a quote of that currency is written; the
receipts an invoice is priced at always compute afresh.

Pass the same ``snapshot`` for every line of one invoice so they share one rate.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from cryptoshop.btc import amounts
from cryptoshop.btc.errors import AmountError
from cryptoshop.core.errors import ValidationFailed
from cryptoshop.rates import aggregate, config
from cryptoshop.rates.errors import RateUnavailable
from cryptoshop.rates.models import RateQuote, RateSnapshot
from cryptoshop.rates.registry import RATES_REFRESHED
from cryptoshop.rates.sources import Quote, fetch_all

logger = logging.getLogger(__name__)

# Minor units where they aren't 2 (ISO 4217).
FIAT_PLACES = {"JPY": 0}


def user_agent() -> str:
    return f"CryptoShop/{settings.VERSION} (exchange rates)"


def normalise_currency(currency: str) -> str:
    try:
        return config.currency_code(str(currency))
    except ValueError:
        raise ValidationFailed({"currency": ["A three-letter currency code, e.g. USD."]},
                               "Unknown currency code.") from None


# --- the periodic job ------------------------------------------------------------------------

def refresh_rates() -> list[Quote]:
    """Fetch every enabled source for every configured currency and store the quotes.

    Does nothing when a fixed rate is set (fixed-rate mode never goes online) or when no
    source is enabled. Never raises for a source's failure: each is logged and skipped.
    """
    cfg = config.load()
    if cfg.fixed_mode or not cfg.sources or not cfg.currencies:
        return []
    quotes = fetch_all(cfg.sources, cfg.currencies, timeout=cfg.timeout,
                       user_agent=user_agent())
    for quote in quotes:
        _store(quote)
    answered = len({q.source for q in quotes})
    logger.debug("rates: stored %d quotes from %d of %d sources", len(quotes), answered,
                 len(cfg.sources))
    return quotes


def refresh_job() -> None:
    """The registered job: refresh quietly (failures are logged per source), then tell the
    listeners (RATES_REFRESHED) so what they derive from the rates follows them."""
    refresh_rates()
    announce_refresh()


def announce_refresh() -> None:
    """Run the RATES_REFRESHED listeners (after the job, or `manage.py rates refresh`)."""
    RATES_REFRESHED.call_each()


def _store(quote: Quote) -> None:
    forget_display_rate(quote.currency)
    # Idempotent from several processes at once: only ever move a row forward in time.
    rows = RateQuote.objects.filter(source=quote.source, currency=quote.currency)
    if rows.filter(fetched_at__lt=quote.fetched_at).update(rate=quote.rate,
                                                           fetched_at=quote.fetched_at):
        return
    if rows.exists():
        return  # a newer quote is already there
    try:
        with transaction.atomic():
            RateQuote.objects.create(source=quote.source, currency=quote.currency,
                                     rate=quote.rate, fetched_at=quote.fetched_at)
    except IntegrityError:  # another process created it first
        rows.filter(fetched_at__lt=quote.fetched_at).update(rate=quote.rate,
                                                            fetched_at=quote.fetched_at)


# --- computing a rate --------------------------------------------------------------------------

def stored_quotes(currency: str, cfg: config.RateConfig | None = None) -> list[Quote]:
    """The cached quotes for ``currency`` from the sources enabled now (fresh or not)."""
    cfg = cfg or config.load()
    names = [s.name for s in cfg.sources]
    rows = RateQuote.objects.filter(currency=currency, source__in=names).order_by("source")
    return [Quote(r.source, r.currency, r.rate, r.fetched_at) for r in rows]


def compute_rate(currency: str) -> aggregate.Rate:
    """The rate for ``currency`` now, not stored (for display and health); or RateUnavailable."""
    currency = normalise_currency(currency)
    cfg = config.load()
    now = timezone.now()
    if cfg.fixed_mode:
        if currency not in cfg.fixed:
            raise RateUnavailable(
                f"rate unavailable: no fixed rate for {currency} (fixed rates are set for "
                f"{', '.join(sorted(cfg.fixed))} only)")
        return aggregate.fixed(currency, cfg.fixed[currency], now=now)
    if not cfg.sources:
        raise RateUnavailable("rate unavailable: no price sources are enabled")
    return aggregate.aggregate(
        stored_quotes(currency, cfg), currency, now=now, max_age=cfg.max_age,
        outlier_percent=cfg.outlier_percent, min_sources=cfg.min_sources,
    )


# --- the displayed rate, cached ---------------------------------------------------------------

DISPLAY_CACHE_SECONDS = 30
_DISPLAY_KEY = "rates:display:v1:"
# The settings a computed rate depends on: tests (and a reloaded config) change them.
_RATE_SETTINGS = ("RATE_SOURCES", "RATE_SOURCE_URLS", "RATE_FIXED_RATES", "RATE_MIN_SOURCES",
                  "RATE_MAX_AGE_SECONDS", "RATE_OUTLIER_PERCENT")


def _display_key(currency: str) -> str:
    # The same key in every process (hash() of a str is salted per process).
    shape = repr([getattr(settings, name, None) for name in _RATE_SETTINGS]).encode()
    return f"{_DISPLAY_KEY}{currency}:{hashlib.sha256(shape).hexdigest()[:12]}"


def forget_display_rate(currency: str) -> None:
    """Drop the cached display rate of ``currency`` (a quote of it was written)."""
    cache.delete(_display_key(normalise_currency(currency)))


def display_rate(currency: str) -> aggregate.Rate:
    """``compute_rate(currency)`` for showing, from the cache when it is still true: at most
    DISPLAY_CACHE_SECONDS old, no used quote gone stale since, no quote written since."""
    currency = normalise_currency(currency)
    key = _display_key(currency)
    found = cache.get(key)
    if isinstance(found, aggregate.Rate):
        return found
    rate = compute_rate(currency)  # RateUnavailable is not cached: the next call retries
    seconds = display_seconds(rate, config.load().max_age, timezone.now())
    if seconds >= 1:
        cache.set(key, rate, seconds)
    return rate


def display_seconds(rate: aggregate.Rate, max_age: timedelta, now: datetime) -> int:
    """How long ``rate`` may be shown from the cache: DISPLAY_CACHE_SECONDS, or less if a
    quote it used goes stale sooner (then the rate changes without any write)."""
    seconds = float(DISPLAY_CACHE_SECONDS)
    if rate.method != "fixed":
        seconds = min(seconds, (rate.oldest_fetch + max_age - now).total_seconds())
    return max(0, int(seconds))


def rate_now(currency: str) -> Decimal | None:
    """The rate of ``currency`` now for an estimate (no receipt), or None when there is no
    trustworthy rate (or the code is not a currency)."""
    try:
        return display_rate(currency).rate
    except (RateUnavailable, ValidationFailed):
        return None


def _quote_json(quote: Quote) -> dict[str, str]:
    return {"source": quote.source, "rate": str(quote.rate),
            "fetchedAt": quote.fetched_at.isoformat()}


def save_snapshot(rate: aggregate.Rate) -> RateSnapshot:
    snapshot = RateSnapshot.objects.create(
        currency=rate.currency, rate=rate.rate, method=rate.method,
        sources=[_quote_json(q) for q in rate.used],
        excluded=[{**_quote_json(e.quote), "reason": e.reason} for e in rate.excluded],
        created_at=rate.computed_at,
    )
    # Use the rate exactly as the database holds it, so the receipt reproduces the amount.
    snapshot.refresh_from_db(fields=["rate"])
    return snapshot


def current_rate(currency: str) -> RateSnapshot:
    """A new stored receipt for the rate of ``currency`` now; RateUnavailable if none."""
    return save_snapshot(compute_rate(currency))


# --- converting --------------------------------------------------------------------------------

def _snapshot_for(currency: str, snapshot: RateSnapshot | None) -> RateSnapshot:
    currency = normalise_currency(currency)
    if snapshot is None:
        return current_rate(currency)
    if snapshot.currency != currency:
        raise ValueError(f"snapshot is for {snapshot.currency}, not {currency}")
    return snapshot


def fiat_to_sats(
    amount: Decimal, currency: str, snapshot: RateSnapshot | None = None
) -> tuple[int, RateSnapshot]:
    """Price ``amount`` of ``currency`` in sats at the current rate (or ``snapshot``'s).

    Nearest satoshi, ties to even. RateUnavailable when there is no trustworthy rate.
    """
    # Check the amount before writing a receipt for it.
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise ValidationFailed({"amount": ["A non-negative Decimal amount."]},
                               "Invalid fiat amount.")
    snap = _snapshot_for(currency, snapshot)
    try:
        return int(amounts.fiat_to_sats(amount, snap.rate)), snap
    except AmountError as exc:  # e.g. above the 21M BTC supply
        raise ValidationFailed({"amount": [str(exc)]}, str(exc)) from None


def estimate_sats(amount: Decimal, rate: Decimal | None) -> int | None:
    """``amount`` in sats at ``rate`` (from rate_now), rounded as fiat_to_sats rounds; None
    without a rate or for an amount no invoice could be priced at."""
    if rate is None:
        return None
    try:
        return int(amounts.fiat_to_sats(amount, rate))
    except AmountError:
        return None


def sats_to_fiat(
    amount_sat: int, currency: str, snapshot: RateSnapshot | None = None
) -> tuple[Decimal, RateSnapshot]:
    """Value ``amount_sat`` in ``currency``, rounded down to its minor unit."""
    try:
        amounts.sats(amount_sat)
    except AmountError as exc:
        raise ValidationFailed({"amount": [str(exc)]}, str(exc)) from None
    snap = _snapshot_for(currency, snapshot)
    places = FIAT_PLACES.get(snap.currency, 2)
    return amounts.sats_to_fiat(amount_sat, snap.rate, places), snap
