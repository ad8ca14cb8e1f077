"""Room names and who may join them.

A room name is `<prefix><key>`, e.g. `order-o_4f…` or `address-bcrt1q…`. Each prefix has one
authorizer, a sync function `check(user, key) -> bool` (it may query the database) that
says whether that logged-in user may receive the room's events. Anonymous sockets join
nothing through `subscribe`. Apps register their prefix in `AppConfig.ready()`:

    register_room_authorizer("address-", my_address_check)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptoshop.accounts.models import User

logger = logging.getLogger(__name__)

RoomCheck = Callable[["User", str], bool]

# Printable, no whitespace or quotes; long enough for any address or id we use.
ROOM_RE = re.compile(r"^[a-z][a-z0-9_:]*-[A-Za-z0-9_.:-]{1,120}$")
PREFIX_RE = re.compile(r"^[a-z][a-z0-9_:]*-$")

_authorizers: dict[str, RoomCheck] = {}


def register_room_authorizer(prefix: str, check: RoomCheck) -> None:
    """Let `check(user, key)` decide who may join rooms named `prefix + key`.

    `prefix` ends with "-" ("order-", "address-"); `key` is the rest of the room name.
    Registering the same prefix again replaces the check (harmless on autoreload)."""
    if not PREFIX_RE.match(prefix):
        raise ValueError(f"room prefix must look like 'name-', not {prefix!r}")
    _authorizers[prefix] = check


def registered_prefixes() -> list[str]:
    return sorted(_authorizers)


def user_room(public_id: str) -> str:
    """Every socket of a logged-in user is in this room (joined on connect)."""
    return f"user-{public_id}"


def order_room(public_id: str) -> str:
    return f"order-{public_id}"


def address_room(address: str) -> str:
    return f"address-{address}"


def is_valid_room(room: object) -> bool:
    return isinstance(room, str) and bool(ROOM_RE.match(room))


def may_join(user: User | None, room: str) -> bool:
    """Sync (may hit the database): run the room's authorizer. Unknown prefixes, anonymous
    callers, malformed names and failing checks all say no."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not is_valid_room(room):
        return False
    prefix, _, key = room.partition("-")
    check = _authorizers.get(prefix + "-")
    if check is None:
        return False
    try:
        return bool(check(user, key))
    except Exception:  # a buggy check must refuse, not break the socket
        logger.exception("room authorizer for %s- failed", prefix)
        return False
