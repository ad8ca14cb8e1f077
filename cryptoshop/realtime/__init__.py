"""Live events: a Socket.IO server beside Django (server.py) and a publish() callable from
any sync code (bus.py). The database stays the source of truth; events only tell pages
that something changed. See docs/realtime.md."""

from cryptoshop.realtime.bus import close_room, publish, recheck_sessions
from cryptoshop.realtime.rooms import (
    address_room,
    order_room,
    register_room_authorizer,
    user_room,
)

__all__ = ["address_room", "close_room", "order_room", "publish", "recheck_sessions",
           "register_room_authorizer", "user_room"]
