"""publish(room, event, data): tell live pages that something changed, from any sync code.

Transports, first that applies:
1. `REDIS_URL` set → a write-only `socketio.RedisManager` publishes on the site's channel;
   every web process (its AsyncRedisManager listens there) delivers to its own sockets.
   Works from any process: web, `manage.py worker`, a shell. A daemon thread does the
   Redis round-trip so the caller never waits on the network.
2. This process serves Socket.IO (server.py attached its running event loop) → the emit is
   scheduled onto that loop with `asyncio.run_coroutine_threadsafe` (request threads, the
   chain watcher's thread, the loop's own thread: all fine).
3. Otherwise → dropped with a debug log. Nobody here could receive it; the database is the
   source of truth and pages without a socket refresh themselves.

Inside `transaction.atomic()` the event is sent after the commit (and never on rollback),
so a page that refetches on the event sees the new state. publish() never raises.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from cryptoshop.realtime.rooms import is_valid_room

logger = logging.getLogger(__name__)

NAMESPACE = "/"
MAX_PAYLOAD_BYTES = 32 * 1024
# Events, not batches: a block settling 200 payments publishes ~1,800 (9 per payment:
# invoice, order and notice events to several rooms), and Redis takes them one PUBLISH at
# a time, so a burst must fit. ~300 bytes each: the bound is a few MB.
QUEUE_SIZE = 20_000
# The events our clients know (docs/realtime.md); others are allowed but logged once, to
# catch typos early.
KNOWN_EVENTS = frozenset({"transaction-event", "notification", "escrow:updated",
                          "order:updated", "notification:read", "metrics:update",
                          "alert:raised", "alert:cleared"})
# A message for the Socket.IO servers, not for clients (server.py's client manager takes it
# out of the stream on every web process): {"action": "leave"} makes the sockets in the
# room leave it, {"action": "recheck"} re-validates their sessions and disconnects the
# ones that ended. It travels the same path as events, so it stays in order with them.
CONTROL_EVENT = "cryptoshop:control"
CONTROL_ACTIONS = frozenset({"leave", "recheck"})
NOTIFICATION_TYPES = frozenset({
    "address_generated", "payment_detected", "payment_confirmed", "payment_expired",
    "transaction_mined", "confirmation_update",
})


@dataclass(frozen=True)
class _LocalServer:
    server: Any  # socketio.AsyncServer (untyped library)
    loop: asyncio.AbstractEventLoop


_local: _LocalServer | None = None
# One encoder for every event: json.dumps(cls=…) would build one per call (a block's
# payments publish a few thousand events).
_ENCODER = DjangoJSONEncoder(separators=(",", ":"))
_warned: set[str] = set()


def attach_local_server(server: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Called by server.py on the serving loop (ASGI lifespan startup, or first connect)."""
    global _local
    current = _local
    if current is None or current.loop is not loop or current.server is not server:
        _local = _LocalServer(server, loop)
        logger.debug("live events: in-process emits go to loop %r", loop)


def detach_local_server() -> None:
    global _local
    _local = None


def redis_url() -> str:
    return str(getattr(settings, "REDIS_URL", "") or "")


def channel() -> str:
    """One pub/sub channel per site, so several sites (or test runs) can share a Redis."""
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX") or "cryptoshop"
    return f"{prefix}:socketio"


def transport() -> str:
    """Which path publish() takes in this process right now: redis, local or none."""
    if redis_url():
        return "redis"
    local = _local
    if local is not None and local.loop.is_running() and not local.loop.is_closed():
        return "local"
    return "none"


def publish(room: str, event: str, data: dict[str, Any]) -> None:
    """Emit `event` with `data` to every socket in `room`. Returns at once; never raises.

    `data` must be JSON-serialisable (Decimal and datetime become strings); it is copied
    now, so later changes to the dict don't leak into the event. Everyone in the room gets
    it: put no secrets in it (pages refetch their HTML anyway). The room's name is added
    as `data["room"]` unless the caller set that key."""
    try:
        payload = _prepare(room, event, data)
        if payload is None:
            return
        send = partial(_send, room, event, payload)
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            connection.on_commit(send, robust=True)
        else:
            send()
    except Exception:  # the caller's work (a payment, a request) matters more than an event
        logger.exception("live event %s to %s could not be published", event, room)


def close_room(room: str) -> None:
    """Make every socket in `room` leave it, in every web process (the address of a room
    moved on to someone else). Events published after this call are not delivered to
    them; sockets may join again only if the room's authorizer lets them. Never raises."""
    _control(room, "leave")


def recheck_sessions(room: str) -> None:
    """Re-validate the session of every socket in `room` (a user's room: their sessions
    ended or changed) and disconnect those whose session is over. Never raises."""
    _control(room, "recheck")


def _control(room: str, action: str) -> None:
    assert action in CONTROL_ACTIONS
    publish(room, CONTROL_EVENT, {"action": action})


def flush(timeout: float = 2.0) -> bool:
    """Wait until queued Redis publishes are out (for short-lived processes and tests).
    True when nothing is left."""
    sender = _sender
    return True if sender is None else sender.flush(timeout)


# --- internals ---------------------------------------------------------------------------

def _prepare(room: str, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if not is_valid_room(room):
        logger.warning("live event %s: invalid room name %r, dropped", event, room)
        return None
    if not isinstance(event, str) or not event or len(event) > 64:
        logger.warning("live event to %s: invalid event name %r, dropped", room, event)
        return None
    if event not in KNOWN_EVENTS and event != CONTROL_EVENT and event not in _warned:
        _warned.add(event)
        logger.info("live event name %r is not one of %s", event, sorted(KNOWN_EVENTS))
    payload = _flat_copy(data)
    if payload is None:  # nested, or values JSON must convert: the JSON round trip copies
        text = _ENCODER.encode(data)
        if len(text) > MAX_PAYLOAD_BYTES:
            logger.warning("live event %s to %s: payload of %d bytes is too big, dropped",
                           event, room, len(text))
            return None
        payload = json.loads(text)
    if not isinstance(payload, dict):
        logger.warning("live event %s to %s: data must be a dict, dropped", event, room)
        return None
    # Socket.IO doesn't tell a client which room an event came through; live.js needs it.
    payload.setdefault("room", room)
    return payload


_SCALARS = frozenset({str, int, bool, type(None)})


def _flat_copy(data: object) -> dict[str, Any] | None:
    """The usual event (a flat dict of strings and integers) copied as it is: the same
    payload the JSON round trip would give, without encoding it twice (a block's payments
    publish ~9 events each). None for anything else, and for a payload that could be
    near the size limit (every character escaped as \\uXXXX is 6 bytes)."""
    if type(data) is not dict:
        return None
    size = 0
    for key, value in data.items():
        kind = type(value)
        if type(key) is not str or kind not in _SCALARS:
            return None
        size += len(key) + (len(value) if kind is str else 20) + 4
    return dict(data) if size * 6 <= MAX_PAYLOAD_BYTES else None


def _send(room: str, event: str, payload: dict[str, Any]) -> None:
    try:
        url = redis_url()
        if url:
            _redis_sender(url).submit(room, event, payload)
            return
        local = _local
        if local is not None and local.loop.is_running() and not local.loop.is_closed():
            _emit_on_loop(local, room, event, payload)
            return
        logger.debug("live event %s to %s dropped: no Socket.IO server in this process and "
                     "no REDIS_URL", event, room)
    except Exception:
        logger.exception("live event %s to %s could not be sent", event, room)


def _emit_on_loop(local: _LocalServer, room: str, event: str, payload: dict[str, Any]) -> None:
    coro: Coroutine[Any, Any, Any] = local.server.emit(event, payload, room=room,
                                                       namespace=NAMESPACE)
    try:
        future = asyncio.run_coroutine_threadsafe(coro, local.loop)
    except RuntimeError:  # the loop closed between the check and now (shutdown)
        coro.close()
        logger.debug("live event %s to %s dropped: event loop closed", event, room)
        return
    future.add_done_callback(partial(_log_failure, event, room))


def _log_failure(event: str, room: str, future: Future[Any]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        logger.warning("live event %s to %s failed on the loop: %r", event, room, exc)


class _RedisSender:
    """One daemon thread per process that hands events to Redis in order."""

    def __init__(self, url: str, channel_name: str) -> None:
        self.url = url
        self.channel = channel_name
        self.queue: queue.Queue[tuple[str, str, dict[str, Any]]] = queue.Queue(QUEUE_SIZE)
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()
        self.last_drop_warning = 0.0

    def submit(self, room: str, event: str, payload: dict[str, Any]) -> None:
        self._ensure_thread()
        try:
            self.queue.put_nowait((room, event, payload))
        except queue.Full:
            now = time.monotonic()
            if now - self.last_drop_warning > 60:
                self.last_drop_warning = now
                logger.warning("live events: Redis publish queue full (is Redis reachable?); "
                               "dropping events")

    def flush(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self.queue.unfinished_tasks

    def _ensure_thread(self) -> None:
        with self.lock:
            if self.pid != os.getpid():  # forked: the parent's thread and queue aren't ours
                self.pid = os.getpid()
                self.queue = queue.Queue(QUEUE_SIZE)
                self.thread = None
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="cryptoshop-live-events",
                                               daemon=True)
                self.thread.start()

    def _run(self) -> None:
        import socketio

        manager = socketio.RedisManager(
            self.url, channel=self.channel, write_only=True, logger=logger,
            redis_options={"socket_connect_timeout": 2, "socket_timeout": 2},
        )
        jobs = self.queue
        while True:
            room, event, payload = jobs.get()
            try:
                manager.emit(event, payload, room=room, namespace=NAMESPACE)
            except Exception:
                logger.warning("live event %s to %s: Redis publish failed", event, room,
                               exc_info=True)
            finally:
                jobs.task_done()


_sender: _RedisSender | None = None
_sender_lock = threading.Lock()


def _redis_sender(url: str) -> _RedisSender:
    global _sender
    with _sender_lock:
        if _sender is None or _sender.url != url:
            _sender = _RedisSender(url, channel())
            atexit.register(_sender.flush, 2.0)
        return _sender
