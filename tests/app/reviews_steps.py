"""Steps of the review tests (app tier, and the browser tier through `manage.py shell`):
an order taken to "completed" through the order actions, and reviews written through
reviews.actions."""

from __future__ import annotations

from typing import Any

from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing
from cryptoshop.orders.actions import do_confirm_received, do_mark_paid, do_mark_shipped
from cryptoshop.orders.models import Order
from cryptoshop.reviews.actions import do_create_review
from cryptoshop.reviews.models import Review
from cryptoshop.stores.models import Store
from tests.factories import add_to_cart, checkout, listing


def complete(order: Order) -> Order:
    """Paid (as the payments layer reports a settled invoice), shipped by the seller,
    confirmed received by the buyer."""
    assert order.buyer is not None
    do_mark_paid(order)
    do_mark_shipped(order, order.store.owner, "Sent")
    do_confirm_received(order, order.buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    return order


def buy(buyer: User, *items: Listing) -> Order:
    [order] = checkout(buyer, add_to_cart(buyer, *items), address="1 Main Street, Springfield")
    return order


def completed_order(buyer: User, *items: Listing) -> Order:
    return complete(buy(buyer, *items))


def digital(store: Store, title: str, **fields: Any) -> Listing:
    """An active digital item (no shipping needed), unlimited stock."""
    return listing(store, title, kind="digital", digital_text="the goods", tags=[], **fields)


def reviewed(buyer: User, item: Listing, rating: int, text: str = "") -> Review:
    """``buyer`` buys ``item``, the order completes, and they review it."""
    order = completed_order(buyer, item)
    return do_create_review(buyer, order, item.public_id, rating, text)
