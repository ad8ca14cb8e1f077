"""The room authorizer this app owns: `user-` (only your own). `order-`, `address-` and
`escrow-` belong to the apps that own those objects. And: when a user's sessions end,
their live sockets are re-checked (and disconnected) at once."""

from __future__ import annotations

from cryptoshop.accounts.models import User
from cryptoshop.accounts.registry import SESSIONS_ENDED
from cryptoshop.realtime import bus, clients
from cryptoshop.realtime.rooms import register_room_authorizer, user_room


def own_user_room(user: User, key: str) -> bool:
    return key == user.public_id


def recheck_sockets_of(user: User) -> None:
    """Every socket of a logged-in user is in their user room: re-check them all, in every
    web process; those whose session ended are disconnected (and leave every room)."""
    bus.recheck_sessions(user_room(user.public_id))


def install() -> None:
    register_room_authorizer("user-", own_user_room)
    clients.install()
    SESSIONS_ENDED.add(recheck_sockets_of)
