"""What the catalogue asks of the apps above it, filled from their wiring.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptoshop.core.registry import Hooks

if TYPE_CHECKING:
    from cryptoshop.catalog.models import Listing

# Whether something above the catalogue still refers to a listing (orders do), so deleting
# it would lose history: such a listing is hidden instead.
LISTING_IN_USE: Hooks[Callable[[Listing], bool]] = Hooks("listing in use")
