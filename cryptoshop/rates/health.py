"""Health components of exchange rates: "prices" (can we price in the default currency right
now?) and, in the detailed view, "price:<source>" for each source (fresh or stale)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils import timezone

from cryptoshop.core import health
from cryptoshop.core.health import Status
from cryptoshop.rates import actions, config
from cryptoshop.rates.errors import RateUnavailable
from cryptoshop.rates.models import RateQuote

logger = logging.getLogger(__name__)


def check_prices() -> Status:
    try:
        cfg = config.load()
        rate = actions.display_rate(cfg.default_currency)
    except RateUnavailable as exc:
        return health.down(exc.message)
    except Exception as exc:  # database down, bad settings …
        logger.warning("health: price check failed: %s", exc)
        return health.down("unavailable")
    return health.up(f"1 BTC = {rate.rate} {cfg.default_currency}",
                     currency=cfg.default_currency, rate=str(rate.rate))


def source_check(name: str) -> Callable[[], Status]:
    def check() -> Status:
        cfg = config.load()
        newest = RateQuote.objects.filter(source=name).order_by("-fetched_at").first()
        if newest is None:
            return health.down(f"no quote from {name} yet: can the server reach it?")
        age_s = int((timezone.now() - newest.fetched_at).total_seconds())
        details = {"fetchedAt": newest.fetched_at, "ageSeconds": age_s}
        if age_s > cfg.max_age.total_seconds():
            return health.degraded(f"stale: last quote {age_s} s old (limit "
                                   f"{int(cfg.max_age.total_seconds())} s)", **details)
        return health.up(f"fresh ({age_s} s old)", **details)
    return check


def install() -> None:
    cfg = config.load()
    health.register("prices", check_prices, basic=True)
    if not cfg.fixed_mode:
        for source in cfg.sources:
            health.register(f"price:{source.name}", source_check(source.name))
