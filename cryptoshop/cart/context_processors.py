"""The navbar's cart badge, for every page."""

from __future__ import annotations

from django.http import HttpRequest

from cryptoshop.cart.actions import cart_count, get_cart


def cart(request: HttpRequest) -> dict[str, object]:
    def count() -> int:
        # Called only by templates that show it (the navbar): one query, no cart created.
        return cart_count(get_cart(request))

    return {"cart_count": count}
