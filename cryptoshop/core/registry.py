"""How a lower layer reaches a higher one without importing it.

Apps sit in a layer order (docs/architecture.md; `make lint` enforces it). When a lower app
must call into a higher one — payments opening an escrow, an order page showing its
payment, the job runner running escrow's settle job — the lower app declares a `Slot` (one
provider) or `Hooks` (any number of listeners), and the higher app fills it from its
`wiring.py`, which `WiredAppConfig.ready()` runs once Django's app registry is ready. One
pattern for every such inversion, so a reader finds all of them by grepping `wiring.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

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
