"""Push from the node for the process that runs the watcher (ADR 17).

The listener (chain/push_btcd.py for btcd, chain/push_zmq.py for bitcoind) is started by a
loop that runs the chain jobs (`manage.py worker`, or `serve` with the watcher in the web
process) through core.jobs.ON_CHAIN_LOOP_START, and checked again at every watcher turn so
that a node that wasn't reachable at start, or changed kind, still gets one. Each
notification wakes the loop (core.jobs.wake_chain_jobs): the watcher polls at once. The
poll stays the source of truth, so the listener being down only costs latency.

Its status goes to the cache (health, which another process may serve) and to /metrics."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from cryptoshop.chain import configured
from cryptoshop.chain.base import ChainBackend
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.push import Notification, PushListener
from cryptoshop.chain.push_btcd import BtcdListener, is_btcd
from cryptoshop.chain.push_zmq import ZmqListener, node_endpoints
from cryptoshop.chain.rpc import BitcoinRPC
from cryptoshop.core.jobs import wake_chain_jobs
from cryptoshop.core.metrics import (
    CHAIN_PUSH_CONNECTED,
    CHAIN_PUSH_LAST_NOTIFICATION,
    CHAIN_PUSH_RECONNECTS,
)

logger = logging.getLogger(__name__)

STATUS_KEY = "chain:push"
# How long to wait before asking the node again when it can't push (bitcoind without
# ZMQ) or couldn't be asked (down).
RETRY_UNAVAILABLE_S = 60.0


class _Push:
    """The one listener of this process and why there is none when there isn't."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.enabled = False
        self.listener: PushListener | None = None
        self.built_for: tuple[int, tuple[str, ...]] | None = None
        self.unavailable = ""
        self.retry_at = 0.0
        self.published: dict[str, Any] | None = None
        self.counted_reconnects = 0


_push = _Push()


def enable() -> None:
    """For the loops that run the watcher: from now on this process listens."""
    _push.enabled = True
    ensure()


def ensure() -> None:
    """Have a listener for the configured backend (cheap when there is one)."""
    if not _push.enabled or settings.CHAIN_PUSH == "off":
        return
    try:
        backend = configured.backend()
    except configured.ChainNotConfigured:
        return
    key = (id(backend), tuple(settings.CHAIN_ZMQ_ENDPOINTS))
    with _push.lock:
        if key == _push.built_for and (_push.listener is not None
                                       or time.monotonic() < _push.retry_at):
            return
        _replace(_build(backend), key)


def _build(backend: ChainBackend) -> PushListener | None:
    if not isinstance(backend, BitcoinRPC):
        _push.unavailable = "this backend has no push (Esplora): polling only"
        return None
    try:
        if is_btcd(backend):
            return BtcdListener(backend.url, backend.auth_header, _wake)
        endpoints = settings.CHAIN_ZMQ_ENDPOINTS or node_endpoints(backend)
    except ChainError as exc:
        _push.unavailable = f"could not ask the node: {exc}"
        return None
    if not endpoints:
        _push.unavailable = ("bitcoind publishes no ZMQ: start it with -zmqpubhashblock and "
                             "-zmqpubrawtx (or set CRYPTOSHOP_BITCOIND_ZMQ): polling only")
        return None
    return ZmqListener(endpoints, _wake)


def _replace(listener: PushListener | None, key: tuple[int, tuple[str, ...]]) -> None:
    if _push.listener is not None:
        _push.listener.stop()
    _push.listener = listener
    _push.built_for = key
    if listener is None:
        _push.retry_at = time.monotonic() + RETRY_UNAVAILABLE_S
        logger.info("chain push: %s", _push.unavailable)
        return
    _push.unavailable = ""
    _push.counted_reconnects = 0
    listener.start()


def _wake(notification: Notification) -> None:
    wake_chain_jobs()


def stop() -> None:
    with _push.lock:
        if _push.listener is not None:
            _push.listener.stop()
        _push.listener = None
        _push.built_for = None
        _push.enabled = False


def current() -> dict[str, Any]:
    """This process's view: mode, and the listener's status or why there is none."""
    listener = _push.listener
    if listener is None:
        return {"mode": settings.CHAIN_PUSH, "connected": False,
                "unavailable": _push.unavailable or ("off" if settings.CHAIN_PUSH == "off"
                                                     else "not started")}
    return {"mode": settings.CHAIN_PUSH, **listener.status.as_dict(),
            "lastNotificationAt": listener.status.last_notification_at}


def publish_status() -> None:
    """After a watcher turn: the status to the cache (when it changed) and /metrics."""
    if not _push.enabled:
        return
    found = current()
    listener = _push.listener
    CHAIN_PUSH_CONNECTED.set(1 if found["connected"] else 0)
    if listener is not None:
        CHAIN_PUSH_RECONNECTS.inc(listener.status.reconnects - _push.counted_reconnects)
        _push.counted_reconnects = listener.status.reconnects
        if listener.status.last_notification_at is not None:
            CHAIN_PUSH_LAST_NOTIFICATION.set(listener.status.last_notification_at)
    # The age is computed when read; what is stored changes with each notification only.
    stored = {k: v for k, v in found.items() if k != "lastNotificationAgeSeconds"}
    if stored != _push.published:
        try:
            cache.set(STATUS_KEY, stored, timeout=24 * 3600)
            _push.published = stored
        except Exception:  # noqa: S110 - the cache's own outage shows in its health check
            pass


def shared_status() -> dict[str, Any] | None:
    """What the watcher's process published (None: no watcher has listened yet)."""
    found = cache.get(STATUS_KEY)
    if not isinstance(found, dict):
        return None
    at = found.get("lastNotificationAt")
    age = round(time.time() - float(at), 3) if at is not None else None
    return {**found, "lastNotificationAgeSeconds": age}
