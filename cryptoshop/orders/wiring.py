"""Wiring orders into the rest: jobs, live rooms, account deletion, listing deletion."""

from __future__ import annotations

from django.db.models import Q

from cryptoshop.accounts.deletion import DELETION_CLEANUPS, DELETION_PLANS
from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing
from cryptoshop.catalog.registry import LISTING_IN_USE
from cryptoshop.core.jobs import register_job
from cryptoshop.orders import actions
from cryptoshop.orders.models import Order, OrderItem
from cryptoshop.realtime.rooms import register_room_authorizer


def order_party(user: User, key: str) -> bool:
    """`order-<id>` rooms: the order's buyer or its store's owner."""
    return (Order.objects.filter(public_id=key)
            .filter(Q(buyer=user) | Q(store__owner=user)).exists())


def _listing_ordered(listing: Listing) -> bool:
    return OrderItem.objects.filter(listing=listing).exists()


def install() -> None:
    DELETION_PLANS.add(actions.deletion_plan)
    DELETION_CLEANUPS.add(actions.delete_store_of)
    LISTING_IN_USE.add(_listing_ordered)
    register_job("expire_reservations", 30, actions.expire_reservations)
    register_job("purge_finished_details", 3600, actions.purge_finished_details)
    register_room_authorizer("order-", order_party)
