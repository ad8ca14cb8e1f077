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
from cryptoshop.realtime import bus
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


def _client_manager() -> Any:
    url = bus.redis_url()
    if not url:
        return None  # in-process rooms: fine for one web process
    return socketio.AsyncRedisManager(url, channel=bus.channel())


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
    return True


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


for _handler in (connect, subscribe, unsubscribe):
    sio.on(_handler.__name__, _handler)
