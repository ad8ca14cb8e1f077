"""bitcoind's ZMQ notifications (``-zmqpubhashblock``, ``-zmqpubrawtx``): a SUB socket on
each endpoint. bitcoind sends every message as three frames: the topic, the body (a block
hash in display order, or a raw transaction) and a 4-byte little-endian sequence number
per topic. A gap in the sequence means the node (or ZMQ's high-water mark) dropped
messages; that only costs latency, since the poll that the next message triggers (or the
normal poll interval) catches up from the node itself."""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from .push import BLOCK, TRANSACTION, Backoff, Notification, PushListener
from .rpc import BitcoinRPC

log = logging.getLogger(__name__)

TOPICS = {b"hashblock": BLOCK, b"rawtx": TRANSACTION, b"hashtx": TRANSACTION,
          b"rawblock": BLOCK}
SUBSCRIBE = (b"hashblock", b"rawtx")
# What `getzmqnotifications` calls them.
NODE_TYPES = {"pubhashblock", "pubrawtx"}


class ProtocolError(Exception):
    """A message that isn't bitcoind's three frames."""


@dataclass(frozen=True)
class ZmqMessage:
    topic: str
    notification: Notification
    sequence: int


def parse_frames(frames: list[bytes]) -> ZmqMessage | None:
    """bitcoind's [topic, body, sequence]; None for a topic we don't follow."""
    if len(frames) != 3 or len(frames[2]) != 4:
        raise ProtocolError(f"expected 3 frames with a 4-byte sequence, got {len(frames)}")
    topic, body, seq = frames
    kind = TOPICS.get(topic)
    if kind is None:
        return None
    # hashblock carries the hash (display order); rawtx the transaction, which the
    # watcher's next poll takes instead of fetching it (hashing it here would be wasted:
    # the poll decodes it anyway).
    detail = body.hex() if topic == b"hashblock" else ""
    raw = body if topic == b"rawtx" else b""
    return ZmqMessage(topic.decode(), Notification(kind, detail, raw),
                      struct.unpack("<I", seq)[0])


def node_endpoints(rpc: BitcoinRPC) -> list[str]:
    """Where bitcoind publishes what we follow (``getzmqnotifications``; empty when it was
    started without -zmqpubhashblock / -zmqpubrawtx)."""
    return endpoints_from_node(rpc.call("getzmqnotifications"))


def endpoints_from_node(notifications: Iterable[dict[str, object]]) -> list[str]:
    """The endpoints of `getzmqnotifications` that publish what we follow."""
    found = {str(n.get("address")) for n in notifications
             if n.get("type") in NODE_TYPES and n.get("address")}
    return sorted(found)


class ZmqListener(PushListener):
    kind = "bitcoind-zmq"

    def __init__(self, endpoints: list[str], wake: Callable[[Notification], object], *,
                 backoff: Backoff | None = None, open_timeout_s: float = 5.0) -> None:
        if not endpoints:
            raise ValueError("no ZMQ endpoint")
        super().__init__(" ".join(endpoints), wake, backoff)
        self.endpoints = endpoints
        self.open_timeout_s = open_timeout_s
        self._sequences: dict[str, int] = {}
        self.gaps = 0

    def _session(self) -> None:
        context: zmq.Context[Any] = zmq.Context.instance()
        sub = context.socket(zmq.SUB)
        monitor = sub.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
        try:
            sub.setsockopt(zmq.LINGER, 0)
            sub.setsockopt(zmq.RCVHWM, 0)  # like bitcoind's own examples: don't drop
            for topic in SUBSCRIBE:
                sub.setsockopt(zmq.SUBSCRIBE, topic)
            for endpoint in self.endpoints:
                sub.connect(endpoint)
            self._read(sub, monitor)
        finally:
            sub.disable_monitor()
            monitor.close(linger=0)
            sub.close(linger=0)

    def _read(self, sub: zmq.Socket[bytes], monitor: zmq.Socket[bytes]) -> None:
        poller = zmq.Poller()
        poller.register(sub, zmq.POLLIN)
        poller.register(monitor, zmq.POLLIN)
        up: set[str] = set()
        waited_ms = 0
        while not self.stopping:
            ready = dict(poller.poll(500))
            if monitor in ready:
                event = recv_monitor_message(monitor)
                endpoint = event["endpoint"].decode() if isinstance(
                    event["endpoint"], bytes) else str(event["endpoint"])
                if event["event"] == zmq.EVENT_DISCONNECTED:
                    raise ConnectionError(f"the node closed {endpoint}")
                up.add(endpoint)
                if len(up) == len(self.endpoints):
                    self._connected()
            if sub in ready:
                self._handle(sub.recv_multipart())
            if not self.status.connected:
                waited_ms += 500
                if waited_ms >= self.open_timeout_s * 1000:
                    raise TimeoutError(f"no publisher at {self.endpoint}")

    def _handle(self, frames: list[bytes]) -> None:
        message = parse_frames(frames)
        if message is None:
            return
        last = self._sequences.get(message.topic)
        if last is not None and message.sequence != (last + 1) & 0xFFFFFFFF:
            self.gaps += 1
            log.info("zmq %s: sequence %d after %d: messages were dropped (the poll "
                     "catches up)", message.topic, message.sequence, last)
        self._sequences[message.topic] = message.sequence
        self._notify(message.notification)
