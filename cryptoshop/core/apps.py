from __future__ import annotations

from django.apps import AppConfig

from cryptoshop.btc import assert_native_secp256k1
from cryptoshop.core import health_checks, metrics


class CoreConfig(AppConfig):
    name = "cryptoshop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Refuse to start on embit's pure-Python secp256k1 fallback: it is slow and not
        # constant-time, and the marketplace's cosigner key will be used with it.
        assert_native_secp256k1()
        health_checks.install()
        # Samples of processes that are gone (a restart, a killed worker) would otherwise
        # be summed into every scrape for ever.
        metrics.clean_dead_processes()
