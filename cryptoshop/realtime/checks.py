"""The room authorizers this app owns: `user-` (only your own) and `order-` (the order's
buyer or its store's owner). `address-` belongs to the payments app."""

from __future__ import annotations

from django.db.models import Q

from cryptoshop.accounts.models import User


def own_user_room(user: User, key: str) -> bool:
    return key == user.public_id


def order_party(user: User, key: str) -> bool:
    from cryptoshop.orders.models import Order

    return (Order.objects.filter(public_id=key)
            .filter(Q(buyer=user) | Q(store__owner=user)).exists())
