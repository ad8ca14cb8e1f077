"""`{% payment_mode_note store %}`: one line saying how a store is paid, with a link to the
help page, for the listing, cart and checkout pages."""

from __future__ import annotations

from typing import Any

from django import template

from cryptoshop.stores.models import Store
from cryptoshop.stores.registry import PAYMENT_MODE

register = template.Library()


@register.inclusion_tag("components/payment_mode.html")
def payment_mode_note(store: Store) -> dict[str, Any]:
    return {"mode": PAYMENT_MODE.get()(store), "store": store}
