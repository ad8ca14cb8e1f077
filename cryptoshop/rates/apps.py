from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class RatesConfig(AppConfig):
    name = "cryptoshop.rates"
    label = "rates"
    verbose_name = "Exchange rates"

    def ready(self) -> None:
        from cryptoshop.core.health import COMPONENT_CHECKS
        from cryptoshop.core.jobs import register_job
        from cryptoshop.rates import actions, config
        from cryptoshop.rates.health import check_prices

        cfg = config.load()  # bad settings fail at start-up, not at the first invoice
        # Nothing is fetched here: the job runs only in `serve`'s job loop or `run_jobs`,
        # and does nothing in fixed-rate mode or with no sources enabled.
        register_job("refresh_rates", cfg.refresh_seconds, actions.refresh_job)
        if settings.RATE_HEALTH:
            COMPONENT_CHECKS["prices"] = check_prices
