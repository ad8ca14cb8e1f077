"""The "prices" component of /api/health: can we price in the default currency right now?"""

from __future__ import annotations

import logging

from cryptoshop.rates import actions, config
from cryptoshop.rates.errors import RateUnavailable

logger = logging.getLogger(__name__)


def check_prices() -> str:
    """``"ok"`` when a rate for the default currency can be computed, else a short reason."""
    try:
        actions.compute_rate(config.load().default_currency)
    except RateUnavailable as exc:
        return exc.message
    except Exception:  # database down, bad settings …: the detail goes to the log only
        logger.exception("health: price check failed")
        return "unavailable"
    return "ok"
