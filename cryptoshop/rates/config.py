"""The rates settings (config/settings.py, documented in .env.example), parsed and checked.

Read at call time, never at import, so tests can change them with pytest-django's
``settings`` fixture. Bad values raise ImproperlyConfigured at start-up (AppConfig.ready).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cryptoshop.rates.sources import MAX_RATE, SOURCES, Source, to_rate

ALL_SOURCES = tuple(SOURCES)
DEFAULT_CURRENCIES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY")
_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class RateConfig:
    sources: tuple[Source, ...]
    currencies: tuple[str, ...]
    fixed: dict[str, Decimal]
    min_sources: int
    max_age: timedelta
    outlier_percent: Decimal
    timeout: float
    refresh_seconds: int
    default_currency: str

    @property
    def fixed_mode(self) -> bool:
        """Any fixed rate set: sources are not asked at all (offline demo / regtest)."""
        return bool(self.fixed)


def currency_code(value: str) -> str:
    code = value.strip().upper()
    if not _CODE.fullmatch(code):
        raise ValueError(f"not a currency code: {value!r}")
    return code


def parse_fixed_rates(text: str) -> dict[str, Decimal]:
    """``"USD:65000,EUR:60000.50"`` -> {"USD": Decimal("65000"), …}."""
    rates: dict[str, Decimal] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        code, sep, value = item.partition(":")
        if not sep:
            raise ImproperlyConfigured(
                f"CRYPTOSHOP_FIXED_RATES: {item.strip()!r} is not CUR:RATE (e.g. USD:65000)")
        try:
            cur = currency_code(code)
            rates[cur] = to_rate(value.strip())
        except Exception as exc:
            raise ImproperlyConfigured(
                f"CRYPTOSHOP_FIXED_RATES: bad entry {item.strip()!r} "
                f"(a currency code and a positive rate below {MAX_RATE})") from exc
    return rates


def _parse_urls(value: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k).strip().lower(): str(v).strip() for k, v in value.items()}
    urls = {}
    for item in (value or "").split(","):
        if item.strip():
            name, sep, url = item.partition("=")
            if not sep:
                raise ImproperlyConfigured(
                    f"CRYPTOSHOP_RATE_SOURCE_URLS: {item.strip()!r} is not name=URL")
            urls[name.strip().lower()] = url.strip()
    return urls


def _decimal(name: str, value: Any) -> Decimal:
    try:
        dec = Decimal(str(value).strip())
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None
    if not dec.is_finite() or dec <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, got {value!r}")
    return dec


def load() -> RateConfig:
    names = [str(n).strip().lower() for n in getattr(settings, "RATE_SOURCES", ALL_SOURCES)]
    names = [n for n in names if n and n != "none"]
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise ImproperlyConfigured(
            f"CRYPTOSHOP_RATE_SOURCES: unknown source(s) {', '.join(unknown)}; "
            f"known: {', '.join(ALL_SOURCES)} (or 'none')")
    urls = _parse_urls(getattr(settings, "RATE_SOURCE_URLS", ""))
    bad = sorted(set(urls) - set(SOURCES))
    if bad:
        raise ImproperlyConfigured(f"CRYPTOSHOP_RATE_SOURCE_URLS: unknown source(s) {bad}")
    try:
        sources = tuple(SOURCES[n](urls.get(n)) for n in dict.fromkeys(names))
        currencies = tuple(dict.fromkeys(
            currency_code(c) for c in getattr(settings, "RATE_CURRENCIES", DEFAULT_CURRENCIES)))
        default = currency_code(getattr(settings, "RATE_DEFAULT_CURRENCY", "USD"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"exchange-rate settings: {exc}") from exc
    min_sources = int(getattr(settings, "RATE_MIN_SOURCES", 2))
    if min_sources < 1:
        raise ImproperlyConfigured("CRYPTOSHOP_RATE_MIN_SOURCES must be at least 1")
    max_age = int(getattr(settings, "RATE_MAX_AGE_SECONDS", 600))
    refresh = int(getattr(settings, "RATE_REFRESH_SECONDS", 60))
    if max_age < 1 or refresh < 1:
        raise ImproperlyConfigured("rate max age and refresh interval must be positive")
    timeout = _decimal("CRYPTOSHOP_RATE_TIMEOUT_SECONDS",
                       getattr(settings, "RATE_TIMEOUT_SECONDS", 5))
    return RateConfig(
        sources=sources,
        currencies=currencies,
        fixed=parse_fixed_rates(getattr(settings, "RATE_FIXED_RATES", "")),
        min_sources=min_sources,
        max_age=timedelta(seconds=max_age),
        outlier_percent=_decimal("CRYPTOSHOP_RATE_OUTLIER_PERCENT",
                                 getattr(settings, "RATE_OUTLIER_PERCENT", 5)),
        timeout=float(timeout),  # a socket timeout, not money
        refresh_seconds=refresh,
        default_currency=default,
    )
