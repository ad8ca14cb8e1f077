"""What the catalogue asks of the apps above it, filled from their wiring.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptoshop.core.registry import Hooks

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cryptoshop.catalog.models import Listing
    from cryptoshop.stores.models import Store

# Whether something above the catalogue still refers to a listing (orders do), so deleting
# it would lose history: such a listing is hidden instead.
LISTING_IN_USE: Hooks[Callable[[Listing], bool]] = Hooks("listing in use")

# Parts of the listing and store pages that apps above the catalogue render (reviews): each
# returns HTML (rendered with the request, so forms carry their CSRF token), shown in order
# below the description / the store's listings.
LISTING_SECTIONS: Hooks[Callable[[HttpRequest, Listing], str]] = Hooks("listing page sections")
STORE_SECTIONS: Hooks[Callable[[HttpRequest, Store], str]] = Hooks("store page sections")
