"""How many Socket.IO clients this process holds: for /metrics (summed over processes) and
the "socketio" health component (this process's count)."""

from __future__ import annotations

import threading

from cryptoshop.core import health
from cryptoshop.core.health import Status
from cryptoshop.core.metrics import SOCKETIO_CONNECTIONS

_lock = threading.Lock()
_connected = 0


def connected() -> None:
    global _connected
    with _lock:
        _connected += 1
    SOCKETIO_CONNECTIONS.inc()


def disconnected() -> None:
    global _connected
    with _lock:
        _connected = max(0, _connected - 1)
    SOCKETIO_CONNECTIONS.dec()


def count() -> int:
    return _connected


def check() -> Status:
    return health.up(f"{_connected} client(s) connected to this process "
                     "(/metrics sums every process)", clients=_connected)


def install() -> None:
    health.register("socketio", check)
