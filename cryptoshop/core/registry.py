"""How a lower layer reaches a higher one without importing it.

Apps sit in a layer order (docs/architecture.md; `make lint` enforces it). When a lower app
must call into a higher one — payments opening an escrow, an order page showing its
payment, the job runner running escrow's settle job — the lower app declares a `Slot` (one
provider) or `Hooks` (any number of listeners), and the higher app fills it from its
`wiring.py`, which `WiredAppConfig.ready()` runs once Django's app registry is ready. One
pattern for every such inversion, so a reader finds all of them by grepping `wiring.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib import import_module
from typing import Generic, TypeVar

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Slot(Generic[T]):
    """Exactly one implementation of something a lower layer needs, provided from above.

    Providing again replaces it (harmless on autoreload). Asking before anything was
    provided is a wiring bug and says which app should have provided it."""

    def __init__(self, name: str, provided_by: str) -> None:
        self.name = name
        self.provided_by = provided_by
        self._impl: T | None = None

    def provide(self, impl: T) -> None:
        self._impl = impl

    @property
    def is_provided(self) -> bool:
        return self._impl is not None

    def get(self) -> T:
        if self._impl is None:
            raise ImproperlyConfigured(
                f"{self.name} was not provided: is {self.provided_by} in INSTALLED_APPS?")
        return self._impl


class Hooks(Generic[T]):
    """Any number of listeners (callables) that a higher layer adds; kept in order, each
    added once, so wiring that runs twice (autoreload, tests) doesn't double-fire."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: list[T] = []

    def add(self, item: T) -> None:
        if item not in self._items:
            self._items.append(item)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def call_each(self, *args: object) -> None:
        """Call every listener with `args`. A failing listener is logged and the others
        still run: one app's bug must not stop another app's reaction."""
        for item in self:
            try:
                item(*args)  # type: ignore[operator]
            except Exception:
                logger.exception("%s: listener %r failed", self.name, item)


class WiredAppConfig(AppConfig):
    """An app that plugs itself into lower layers (jobs, health checks, live rooms, the
    registries in core/registry.py). Its `wiring.py` has an `install()` that does that.

    The module is loaded here rather than imported at the top of apps.py because it imports
    models, which Django allows only once the app registry is ready; this is the one place
    that waits, for every app.

    Subclass it as `registry.WiredAppConfig` (importing the module, not the class): Django
    picks an app's config automatically only when apps.py has exactly one AppConfig class."""

    def ready(self) -> None:
        import_module(f"{self.name}.wiring").install()
