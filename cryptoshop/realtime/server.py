"""The Socket.IO server, mounted beside Django in config/asgi.py at /socket.io/.

- Authentication: the Django session cookie sent with the WebSocket handshake, validated
  exactly like an API session (cryptoshop.accounts.sessions.user_for_session_token: the
  session exists and is unexpired, the account is active, the session auth hash matches —
  so logout, token rotation and account deletion all end it). No cookie, or a dead
  session, is an anonymous socket: allowed, but it can join nothing private.
- A logged-in socket joins `user-{public_id}` on connect.
- `subscribe` {"rooms": [...]} joins the rooms whose authorizer (rooms.py) says yes for
  the session's user, re-checked at every call; the ack is {"joined": [...], "refused": [...]}.
- Origin: same origin as the Host the client connected to, or one of
  DJANGO_CSRF_TRUSTED_ORIGINS; the Host must be in ALLOWED_HOSTS. (Never `[]`, which
  would switch the origin check off.)
- With REDIS_URL, an AsyncRedisManager fans events out across web processes.
- Control messages (bus.close_room, bus.recheck_sessions) travel like events and are
  handled by the client manager on every process: the room's sockets leave it, or have
  their session re-validated and are disconnected when it ended.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import socketio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import parse_cookie
from django.http.request import split_domain_port, validate_host

from cryptoshop.accounts.models import User
from cryptoshop.accounts.sessions import user_for_session_token
from cryptoshop.realtime import bus, clients
from cryptoshop.realtime.rooms import (
    is_valid_room,
    may_join,
    register_room_authorizer,
    user_room,
)

__all__ = ["on_shutdown", "on_startup", "register_room_authorizer", "sio"]

logger = logging.getLogger(__name__)

# Per socket: at most this many subscribe/unsubscribe calls per window, rooms per call,
# and rooms joined in total (a checkout page needs two or three).
SUBSCRIBE_CALLS_PER_WINDOW = 20
SUBSCRIBE_WINDOW_SECONDS = 60.0
MAX_ROOMS_PER_CALL = 10
MAX_ROOMS_PER_SOCKET = 50
NAMESPACE = bus.NAMESPACE


def _scheme(environ: dict[str, Any]) -> str:
    if settings.HTTPS:
        return "https"
    scope = environ.get("asgi.scope") or {}
    # uvicorn puts the (proxy-corrected, when trusted) scheme into the scope: ws or wss.
    return "https" if scope.get("scheme") in {"https", "wss"} else "http"


def host_allowed(environ: dict[str, Any]) -> bool:
    host = environ.get("HTTP_HOST", "")
    domain, _port = split_domain_port(host)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def origin_allowed(origin: str | None, environ: dict[str, Any]) -> bool:
    """engineio's origin check (called when the request has an Origin header)."""
    if not origin:
        return True
    if not host_allowed(environ):
        return False
    same = f"{_scheme(environ)}://{environ.get('HTTP_HOST', '')}"
    return origin == same or origin in settings.CSRF_TRUSTED_ORIGINS


class _ControlledManager(socketio.AsyncManager):  # type: ignore[misc]
    """Takes bus.CONTROL_EVENT out of the event stream: it is for us, not for clients.

    Placed under the Redis manager in the MRO, so a control message published anywhere
    (bus.close_room / recheck_sessions, from any process) is handled here on every web
    process, each for its own sockets, in order with the events around it."""

    async def emit(self, event: str, data: Any, namespace: str | None = None,
                   room: Any = None, skip_sid: Any = None, callback: Any = None,
                   to: Any = None, **kwargs: Any) -> Any:
        target = to or room
        if event != bus.CONTROL_EVENT:
            return await super().emit(event, data, namespace, room=target, skip_sid=skip_sid,
                                      callback=callback, **kwargs)
        action = data.get("action") if isinstance(data, dict) else None
        ns = namespace or NAMESPACE
        if not isinstance(target, str) or target not in self.rooms.get(ns, {}):
            if action == "leave" and isinstance(target, str):
                _closed(target)
            return None
        if action == "leave":
            _closed(target)
            self.basic_close_room(target, ns)
        elif action == "recheck":
            for sid, _eio in list(self.get_participants(ns, target)):
                await _recheck(sid)
        return None


class _ControlledRedisManager(socketio.AsyncRedisManager, _ControlledManager):  # type: ignore[misc]
    pass


def _client_manager() -> Any:
    url = bus.redis_url()
    if not url:
        return _ControlledManager()  # in-process rooms: fine for one web process
    return _ControlledRedisManager(url, channel=bus.channel())


# Rooms closed lately (monotonic time): a subscribe whose check ran before the close must
# not enter the room after it.
_closed_at: dict[str, float] = {}
CLOSED_MEMORY_SECONDS = 60.0


def _closed(room: str) -> None:
    now = time.monotonic()
    if len(_closed_at) > 10_000:
        for name, at in list(_closed_at.items()):
            if now - at > CLOSED_MEMORY_SECONDS:
                del _closed_at[name]
    _closed_at[room] = now


def _closed_since(room: str, started: float) -> bool:
    return _closed_at.get(room, -1.0) >= started


def _library_logger(name: str) -> logging.Logger:
    # Handing the libraries a logger stops them from adding their own stderr handler (every
    # line printed twice); quiet unless LOGGING says otherwise.
    library = logging.getLogger(name)
    if library.level == logging.NOTSET:
        library.setLevel(logging.WARNING)
    return library


sio: Any = socketio.AsyncServer(
    async_mode="asgi",
    client_manager=_client_manager(),
    cors_allowed_origins=origin_allowed,
    # WebSocket only: no long-polling sessions to pin to one process behind a balancer.
    transports=["websocket"],
    # Clients only send small subscribe calls.
    max_http_buffer_size=16 * 1024,
    logger=_library_logger("socketio.server"),
    engineio_logger=_library_logger("engineio.server"),
)


async def on_startup() -> None:
    """ASGI lifespan startup: remember the serving loop so bus.publish can reach it."""
    bus.attach_local_server(sio, asyncio.get_running_loop())


async def on_shutdown() -> None:
    bus.detach_local_server()


# --- session → user -------------------------------------------------------------------------

def session_key_from(environ: dict[str, Any]) -> str | None:
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    value = cookies.get(settings.SESSION_COOKIE_NAME, "")
    return value if value and value.isalnum() and len(value) <= 64 else None


def _user_for_session_sync(key: str | None) -> User | None:
    if not key:
        return None
    close_old_connections()
    try:
        found = user_for_session_token(key)
        return found[0] if found is not None else None
    finally:
        close_old_connections()


def _authorize_sync(key: str | None, rooms: list[str]) -> tuple[User | None, list[bool]]:
    close_old_connections()
    try:
        user = None
        if key:
            found = user_for_session_token(key)
            user = found[0] if found is not None else None
        return user, [may_join(user, room) for room in rooms]
    finally:
        close_old_connections()


user_for_session = sync_to_async(_user_for_session_sync, thread_sensitive=True)
authorize = sync_to_async(_authorize_sync, thread_sensitive=True)


async def _recheck(sid: str) -> None:
    """The socket's session may have ended (logout, token rotation, deletion, a ban): if
    so it leaves every room now and is anonymous from here on (it stays connected, like a
    socket that connected without a session, and can join nothing)."""
    try:
        session = await sio.get_session(sid, namespace=NAMESPACE)
        user = await user_for_session(session.get("key"))
        if user is not None and user.public_id == session.get("user"):
            return
        for room in sio.manager.get_rooms(sid, NAMESPACE):
            if room != sid:  # the socket's own room (direct messages) is not a private one
                await sio.leave_room(sid, room, namespace=NAMESPACE)
        async with sio.session(sid, namespace=NAMESPACE) as fresh:
            fresh["user"] = fresh["key"] = None
            fresh["rooms"] = []
    except Exception:  # never break the listener; the next subscribe re-checks anyway
        logger.exception("live events: session re-check failed")


# --- handlers -------------------------------------------------------------------------------

async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
    bus.attach_local_server(sio, asyncio.get_running_loop())  # when lifespan is off
    if not host_allowed(environ):
        return False
    key = session_key_from(environ)
    user = await user_for_session(key)
    await sio.save_session(sid, {
        "key": key if user is not None else None,
        "user": user.public_id if user is not None else None,
        "calls": 0, "window": time.monotonic(), "rooms": [],
    })
    if user is not None:
        await sio.enter_room(sid, user_room(user.public_id))
    clients.connected()
    return True


async def disconnect(sid: str, *args: Any) -> None:
    clients.disconnected()


def _rooms_of(data: Any) -> list[str] | None:
    rooms = data.get("rooms") if isinstance(data, dict) else None
    if not isinstance(rooms, list):
        return None
    return [r for r in rooms if isinstance(r, str)][:MAX_ROOMS_PER_CALL * 2]


def _spend_call(session: dict[str, Any]) -> bool:
    now = time.monotonic()
    if now - session["window"] >= SUBSCRIBE_WINDOW_SECONDS:
        session["window"], session["calls"] = now, 0
    session["calls"] += 1
    return bool(session["calls"] <= SUBSCRIBE_CALLS_PER_WINDOW)


async def subscribe(sid: str, data: Any = None) -> dict[str, Any]:
    rooms = _rooms_of(data)
    if rooms is None:
        return {"joined": [], "refused": [], "error": "expected {\"rooms\": [...]}"}
    async with sio.session(sid) as session:
        if not _spend_call(session):
            return {"joined": [], "refused": rooms, "error": "rate_limited"}
        # Rooms closed under us (bus.close_room) are gone from the manager: forget them.
        present = set(sio.manager.get_rooms(sid, NAMESPACE))
        session["rooms"] = [r for r in session["rooms"] if r in present]
        started = time.monotonic()
        wanted = list(dict.fromkeys(rooms))  # unique, in order
        refused = wanted[MAX_ROOMS_PER_CALL:]
        wanted = wanted[:MAX_ROOMS_PER_CALL]
        valid = [r for r in wanted if is_valid_room(r)]
        refused += [r for r in wanted if not is_valid_room(r)]
        try:
            user, verdicts = await authorize(session["key"], valid) if valid else (None, [])
        except Exception:  # the database is away: refuse, the page still works without us
            logger.exception("live events: subscribe check failed")
            return {"joined": [], "refused": rooms, "error": "unavailable"}
        joined: list[str] = []
        for room, ok in zip(valid, verdicts, strict=True):
            already = room in session["rooms"]
            ok = ok and (already or not _closed_since(room, started))
            if ok and (already or len(session["rooms"]) < MAX_ROOMS_PER_SOCKET):
                if not already:
                    await sio.enter_room(sid, room)
                    session["rooms"].append(room)
                joined.append(room)
            else:
                refused.append(room)
        if valid and user is None and session["user"] is not None:
            # The session ended (logout, rotation) since connect: leave everything private.
            for room in [user_room(session["user"]), *session["rooms"]]:
                await sio.leave_room(sid, room)
            session["user"] = session["key"] = None
            session["rooms"] = []
    return {"joined": joined, "refused": refused}


async def unsubscribe(sid: str, data: Any = None) -> dict[str, Any]:
    rooms = _rooms_of(data) or []
    left: list[str] = []
    async with sio.session(sid) as session:
        if not _spend_call(session):
            return {"left": [], "error": "rate_limited"}
        for room in rooms:
            if room in session["rooms"]:
                await sio.leave_room(sid, room)
                session["rooms"].remove(room)
                left.append(room)
    return {"left": left}


for _handler in (connect, disconnect, subscribe, unsubscribe):
    sio.on(_handler.__name__, _handler)
