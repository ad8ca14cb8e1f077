"""Push from the node: the part every kind shares (no Django).

A listener holds one connection to the node (btcd's websocket, push_btcd.py; bitcoind's
ZMQ, push_zmq.py) in a daemon thread and calls ``wake()`` on every block or transaction
notification. The notification carries no data we keep: it only tells the watcher to poll
now, and the poll stays the source of truth. So a notification that is missed (the
connection was down, the node dropped it) costs latency, never a payment: the normal poll
interval governs until the listener is back.

Reconnects back off exponentially (capped, with full jitter so a restarted node isn't hit
by every shop at once) and reset once a connection has stayed up."""

from __future__ import annotations

import logging
import random
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

BLOCK = "block"
TRANSACTION = "transaction"


@dataclass(frozen=True)
class Notification:
    """What a node told us: a block connected/disconnected or a transaction accepted."""

    kind: str  # BLOCK or TRANSACTION
    detail: str = ""  # block hash or txid where the message has one (for logs only)
    raw: bytes = b""  # the transaction itself, when the message carries it


class ReceivedTransactions:
    """Raw transactions the node pushed, kept until the watcher's next mempool scan takes
    them (``drain``). Bounded in bytes: past the cap the oldest go, and the scan fetches
    whatever it lacks, so a process that isn't the watcher's leader (nobody drains) holds
    at most the cap. Thread-safe: listeners add, the job loop drains."""

    def __init__(self, max_bytes: int = 16 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: deque[bytes] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def add(self, raw: bytes) -> None:
        if not raw or len(raw) > self.max_bytes:
            return
        with self._lock:
            self._items.append(raw)
            self._bytes += len(raw)
            while self._bytes > self.max_bytes:
                self._bytes -= len(self._items.popleft())

    def drain(self) -> list[bytes]:
        with self._lock:
            items, self._items, self._bytes = list(self._items), deque(), 0
        return items


# One per process: the listeners of this process fill it, its watcher drains it.
RECEIVED = ReceivedTransactions()


class Backoff:
    """Delays between reconnect attempts: c = min(cap, base·2ⁿ), drawn uniformly from
    [c/2, c] ("equal jitter"): never zero, never above the cap, spread between clients."""

    def __init__(self, base_s: float = 0.5, cap_s: float = 30.0,
                 rnd: random.Random | None = None) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.attempt = 0
        self._rnd = rnd or random.Random()  # noqa: S311 - jitter, not a secret

    def next_delay(self) -> float:
        ceiling = min(self.cap_s, self.base_s * float(2 ** min(self.attempt, 30)))
        self.attempt += 1
        return ceiling / 2 + self._rnd.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class PushStatus:
    """For health and /metrics: read from other threads, written by the listener only."""

    kind: str
    endpoint: str
    connected: bool = False
    connected_at: float | None = None
    last_notification_at: float | None = None
    notifications: int = 0
    reconnects: int = 0
    last_error: str = ""

    def as_dict(self, now: float | None = None) -> dict[str, object]:
        now = time.time() if now is None else now
        age = (None if self.last_notification_at is None
               else round(now - self.last_notification_at, 3))
        return {"kind": self.kind, "endpoint": self.endpoint, "connected": self.connected,
                "lastNotificationAgeSeconds": age, "notifications": self.notifications,
                "reconnects": self.reconnects, "lastError": self.last_error}


class PushListener(ABC):
    """One node connection in a daemon thread: connect, read notifications until the
    connection fails, back off, reconnect; until ``stop()``."""

    kind = "push"
    # A connection that stayed up this long resets the backoff.
    STABLE_S = 10.0

    def __init__(self, endpoint: str, wake: Callable[[Notification], object],
                 backoff: Backoff | None = None) -> None:
        self.endpoint = endpoint
        self.wake = wake
        self.backoff = backoff or Backoff()
        self.status = PushStatus(self.kind, endpoint)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what a node kind implements ------------------------------------------------------

    @abstractmethod
    def _session(self) -> None:
        """Connect, subscribe, call ``self._connected()`` then ``self._notify(n)`` for each
        notification; return or raise when the connection ends. Must notice
        ``self.stopping`` within about a second."""

    def _interrupt(self) -> None:  # noqa: B027 - optional: unblock a session on stop()
        """Unblock a session waiting on the network (close its socket)."""

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> PushListener:
        self._thread = threading.Thread(target=self._run, name=f"cryptoshop-push-{self.kind}",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self.stopping:
            started = time.monotonic()
            try:
                self._session()
                error = "connection closed"
            except Exception as exc:  # any failure: back off and reconnect
                error = f"{type(exc).__name__}: {exc}"[:300]
            was_connected = self.status.connected
            self.status.connected = False
            if self.stopping:
                break
            self.status.last_error = error
            if was_connected:
                log.warning("%s push from %s lost (%s): polling until it is back",
                            self.kind, self.endpoint, error)
            if time.monotonic() - started >= self.STABLE_S:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            self.status.reconnects += 1
            self._stopping.wait(delay)

    def _connected(self) -> None:
        self.status.connected = True
        self.status.connected_at = time.time()
        log.info("%s push connected to %s", self.kind, self.endpoint)
        # Something may have happened while we were away: one poll now catches it up.
        self.wake(Notification(BLOCK, "reconnected"))

    def _notify(self, notification: Notification) -> None:
        if notification.raw:
            RECEIVED.add(notification.raw)  # before the wake: the poll it starts has it
        self.status.notifications += 1
        self.status.last_notification_at = time.time()
        self.wake(notification)
