"""The room authorizer this app owns: `user-` (only your own). `order-`, `address-` and
`escrow-` belong to the apps that own those objects."""

from __future__ import annotations

from cryptoshop.accounts.models import User
from cryptoshop.realtime.rooms import register_room_authorizer


def own_user_room(user: User, key: str) -> bool:
    return key == user.public_id


def install() -> None:
    register_room_authorizer("user-", own_user_room)
