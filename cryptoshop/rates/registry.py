"""What the rates app offers the apps above it, filled from their wiring.py."""

from __future__ import annotations

from collections.abc import Callable

from cryptoshop.core.registry import Hooks

# Run after every refresh of the rates (the periodic job; in fixed-rate mode too, so a
# changed CRYPTOSHOP_FIXED_RATES reaches them at the next start). A listener reads the rates
# it needs with actions.rate_now() and brings whatever it derived from them up to date — the
# catalogue's sats estimate of fiat-priced listings, which sorting and price filters use.
# A listener's failure is logged and does not stop the others.
RATES_REFRESHED: Hooks[Callable[[], object]] = Hooks("rates refreshed")
