"""Wiring exchange rates into the job runner and the health check."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.core.jobs import register_job
from cryptoshop.rates import actions, config
from cryptoshop.rates import health as rates_health


def install() -> None:
    cfg = config.load()  # bad settings fail at start-up, not at the first invoice
    # Nothing is fetched here: the job runs only in `serve`'s job loop or `run_jobs`,
    # and does nothing in fixed-rate mode or with no sources enabled.
    register_job("refresh_rates", cfg.refresh_seconds, actions.refresh_job)
    if settings.RATE_HEALTH:
        rates_health.install()
