from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig

from cryptoshop.btc import assert_native_secp256k1


class WiredAppConfig(AppConfig):
    """An app that plugs itself into lower layers (jobs, health checks, live rooms, the
    registries in core/registry.py). Its `wiring.py` has an `install()` that does that.

    The module is loaded here rather than imported at the top of apps.py because it imports
    models, which Django allows only once the app registry is ready; this is the one place
    that waits, for every app."""

    def ready(self) -> None:
        import_module(f"{self.name}.wiring").install()


class CoreConfig(AppConfig):
    name = "cryptoshop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Refuse to start on embit's pure-Python secp256k1 fallback: it is slow and not
        # constant-time, and the marketplace's cosigner key will be used with it.
        assert_native_secp256k1()
