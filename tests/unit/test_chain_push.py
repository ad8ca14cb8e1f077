"""Push from the node (chain/push*.py): the reconnect backoff, btcd's websocket messages and
bitcoind's ZMQ frames; the ZMQ listener against a real PUB socket sending bitcoind's
three-frame messages, dropped and re-bound; the job loop's wake event."""

from __future__ import annotations

import json
import random
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import zmq

from cryptoshop.chain.push import (
    BLOCK,
    RECEIVED,
    TRANSACTION,
    Backoff,
    Notification,
    ReceivedTransactions,
)
from cryptoshop.chain.push_btcd import ProtocolError as BtcdProtocolError
from cryptoshop.chain.push_btcd import parse_message, ws_url
from cryptoshop.chain.push_zmq import ProtocolError as ZmqProtocolError
from cryptoshop.chain.push_zmq import ZmqListener, endpoints_from_node, parse_frames
from cryptoshop.core import jobs

# This helper's ports (the regtest fixtures use ports the OS picks, far above these).
PORTS = (8660, 8689)
BLOCK_HASH = "00" * 4 + "ab" * 28


# -- backoff ---------------------------------------------------------------------------------

def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(base_s=0.5, cap_s=8.0, rnd=random.Random(1))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [0.5, 1, 2, 4, 8, 8, 8, 8]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert 0.25 <= backoff.next_delay() <= 0.5


def test_backoff_jitter_spreads_clients_apart() -> None:
    first = [Backoff(rnd=random.Random(seed)).next_delay() for seed in range(20)]
    assert len({round(d, 6) for d in first}) == 20


def test_backoff_survives_a_long_outage() -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0, rnd=random.Random(2))
    for _ in range(10_000):
        assert 15.0 <= backoff.next_delay() <= 30.0 or backoff.attempt < 8


# -- btcd websocket --------------------------------------------------------------------------

def _ntfn(method: str, *params: object) -> str:
    return json.dumps({"jsonrpc": "1.0", "method": method, "params": list(params), "id": None})


def test_btcd_block_notifications_wake_for_a_block() -> None:
    assert parse_message(_ntfn("blockconnected", BLOCK_HASH, 105, 1700000000)) == \
        Notification(BLOCK, BLOCK_HASH)
    assert parse_message(_ntfn("blockdisconnected", BLOCK_HASH, 105, 1700000000)) == \
        Notification(BLOCK, BLOCK_HASH)
    # filteredblockconnected: [height, header hex, matched txs]
    assert parse_message(_ntfn("filteredblockconnected", 105, "00" * 80, [])) == \
        Notification(BLOCK, "")


def test_btcd_transaction_notifications_carry_the_txid_and_the_verbose_one_its_bytes() -> None:
    txid = "cd" * 32
    assert parse_message(_ntfn("txaccepted", txid, 0.5)) == Notification(TRANSACTION, txid)
    verbose = _ntfn("txacceptedverbose", {"txid": txid, "hex": "0200ff"})
    assert parse_message(verbose) == Notification(TRANSACTION, txid, b"\x02\x00\xff")
    # Bytes that aren't hex are left out: the poll fetches that transaction.
    garbled = _ntfn("txacceptedverbose", {"txid": txid, "hex": "zz"})
    assert parse_message(garbled) == Notification(TRANSACTION, txid)


# -- pushed transactions kept for the poll ----------------------------------------------------

def test_received_transactions_drain_once_in_order() -> None:
    received = ReceivedTransactions(max_bytes=100)
    for raw in (b"a" * 10, b"b" * 20, b""):
        received.add(raw)
    assert received.drain() == [b"a" * 10, b"b" * 20]  # the empty one is not kept
    assert received.drain() == []


def test_received_transactions_drop_the_oldest_past_the_byte_cap() -> None:
    received = ReceivedTransactions(max_bytes=100)
    for n in range(10):
        received.add(bytes([n]) * 30)
    assert received.drain() == [bytes([n]) * 30 for n in (7, 8, 9)]
    received.add(b"x" * 101)  # larger than the whole cap: never kept
    assert received.drain() == []


def test_btcd_replies_and_other_notifications_are_not_wakes() -> None:
    assert parse_message(json.dumps({"result": None, "error": None, "id": 1})) is None
    assert parse_message(_ntfn("relevanttxaccepted", "00")) is None


def test_btcd_error_replies_and_garbage_are_protocol_errors() -> None:
    refused = json.dumps({"result": None, "id": 2,
                          "error": {"code": -1, "message": "Command unimplemented"}})
    with pytest.raises(BtcdProtocolError, match="refused"):
        parse_message(refused)
    with pytest.raises(BtcdProtocolError):
        parse_message("<html>401</html>")
    with pytest.raises(BtcdProtocolError):
        parse_message("[1, 2]")


def test_btcd_websocket_url_is_the_rpc_port_slash_ws() -> None:
    assert ws_url("http://127.0.0.1:18334") == "ws://127.0.0.1:18334/ws"
    assert ws_url("https://user:pw@node.example:8334/") == "wss://node.example:8334/ws"
    with pytest.raises(ValueError, match="not an RPC URL"):
        ws_url("tcp://127.0.0.1:1")


# -- bitcoind ZMQ ----------------------------------------------------------------------------

def _frames(topic: bytes, body: bytes, seq: int) -> list[bytes]:
    return [topic, body, struct.pack("<I", seq)]


def test_zmq_frames_as_bitcoind_sends_them() -> None:
    block = parse_frames(_frames(b"hashblock", bytes.fromhex(BLOCK_HASH), 7))
    assert block is not None
    assert (block.topic, block.notification, block.sequence) == (
        "hashblock", Notification(BLOCK, BLOCK_HASH), 7)
    tx = parse_frames(_frames(b"rawtx", bytes.fromhex("0200000000"), 2**32 - 1))
    assert tx is not None and tx.notification.kind == TRANSACTION and tx.sequence == 2**32 - 1
    assert tx.notification.raw == bytes.fromhex("0200000000")
    assert parse_frames(_frames(b"sequence", b"x" * 33, 1)) is None


@pytest.mark.parametrize("frames", [[b"hashblock", b"x"], [b"rawtx", b"x", b"\x01\x00"],
                                    [b"a", b"b", b"c", b"d"]])
def test_zmq_malformed_messages_are_protocol_errors(frames: list[bytes]) -> None:
    with pytest.raises(ZmqProtocolError):
        parse_frames(frames)


def test_zmq_endpoints_from_getzmqnotifications() -> None:
    answer = [{"type": "pubhashblock", "address": "tcp://127.0.0.1:28332", "hwm": 1000},
              {"type": "pubrawtx", "address": "tcp://127.0.0.1:28332", "hwm": 1000},
              {"type": "pubrawblock", "address": "tcp://127.0.0.1:28333", "hwm": 1000},
              {"type": "pubhashtx", "address": "tcp://127.0.0.1:28334", "hwm": 1000}]
    assert endpoints_from_node(answer) == ["tcp://127.0.0.1:28332"]
    assert endpoints_from_node([]) == []


class _Publisher:
    """A real ZMQ PUB socket on a loopback port, sending what bitcoind sends."""

    def __init__(self, port: int | None = None) -> None:
        self.socket = zmq.Context.instance().socket(zmq.PUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        if port is None:
            self.port = self.socket.bind_to_random_port("tcp://127.0.0.1", *PORTS)
        else:
            self.port = port
            self.socket.bind(f"tcp://127.0.0.1:{port}")
        self.sequences: dict[bytes, int] = {}

    def send(self, topic: bytes, body: bytes, *, skip: int = 0) -> None:
        seq = self.sequences.get(topic, -1) + 1 + skip
        self.sequences[topic] = seq
        self.socket.send_multipart(_frames(topic, body, seq))

    def close(self) -> None:
        self.socket.close(linger=0)


def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def woken() -> list[Notification]:
    return []


@pytest.fixture
def listener_on(woken: list[Notification]) -> Iterator[Callable[[str], ZmqListener]]:
    made: list[ZmqListener] = []

    def make(endpoint: str) -> ZmqListener:
        listener = ZmqListener([endpoint], woken.append,
                               backoff=Backoff(base_s=0.05, cap_s=0.2), open_timeout_s=1.0)
        made.append(listener.start())
        return listener

    yield make
    for listener in made:
        listener.stop()


def test_zmq_listener_wakes_on_blocks_and_transactions(
        listener_on: Callable[[str], ZmqListener], woken: list[Notification]) -> None:
    publisher = _Publisher()
    try:
        listener = listener_on(f"tcp://127.0.0.1:{publisher.port}")
        _until(lambda: listener.status.connected)
        # Connecting wakes once (to catch up on what happened while away).
        _until(lambda: len(woken) == 1)
        # A SUB socket's subscription reaches the publisher just after the connection:
        # resend until the first message gets through, as a node's steady stream would.
        _until(lambda: _sent_and_seen(publisher, listener, woken), timeout=5)
        before = len(woken)
        RECEIVED.drain()
        publisher.send(b"hashblock", bytes.fromhex(BLOCK_HASH))
        publisher.send(b"rawtx", bytes.fromhex("0200000001"))
        publisher.send(b"rawtx", bytes.fromhex("0200000002"), skip=3)  # 3 dropped
        _until(lambda: len(woken) == before + 3)
        assert woken[before] == Notification(BLOCK, BLOCK_HASH)
        assert [n.kind for n in woken[before + 1:]] == [TRANSACTION, TRANSACTION]
        assert listener.gaps == 1
        # The transactions themselves wait for the watcher's next poll.
        assert RECEIVED.drain() == [bytes.fromhex("0200000001"), bytes.fromhex("0200000002")]
        assert listener.status.notifications >= 3
        assert listener.status.as_dict()["lastNotificationAgeSeconds"] is not None
    finally:
        publisher.close()


def _sent_and_seen(publisher: _Publisher, listener: ZmqListener,
                   woken: list[Notification]) -> bool:
    publisher.send(b"hashblock", bytes.fromhex(BLOCK_HASH))
    time.sleep(0.05)
    return listener.status.notifications > 0


def test_zmq_listener_reconnects_after_the_publisher_comes_back(
        listener_on: Callable[[str], ZmqListener], woken: list[Notification]) -> None:
    publisher = _Publisher()
    port = publisher.port
    listener = listener_on(f"tcp://127.0.0.1:{port}")
    _until(lambda: listener.status.connected)
    publisher.close()  # the node stops
    _until(lambda: not listener.status.connected)
    _until(lambda: listener.status.reconnects >= 2)  # tries again, backing off
    assert listener.status.last_error
    publisher = _Publisher(port)  # the node is back on the same endpoint
    try:
        _until(lambda: listener.status.connected)
        _until(lambda: _sent_and_seen(publisher, listener, woken), timeout=5)
    finally:
        publisher.close()


def test_zmq_listener_without_a_publisher_backs_off_and_stops_cleanly(
        listener_on: Callable[[str], ZmqListener]) -> None:
    probe = _Publisher()
    port = probe.port
    probe.close()  # nobody publishes there now
    listener = listener_on(f"tcp://127.0.0.1:{port}")
    _until(lambda: listener.status.reconnects >= 1, timeout=5)
    assert not listener.status.connected
    assert "no publisher" in listener.status.last_error
    listener.stop()
    assert not listener.is_alive()


# -- the job loop's wake ---------------------------------------------------------------------

def test_a_wake_ends_the_wait_early_and_is_consumed() -> None:
    jobs.wait_for_wake(0)  # clear whatever an earlier test left
    threading.Timer(0.05, jobs.wake_chain_jobs).start()
    assert jobs.wait_for_wake(30.0) is True  # woken (a timeout returns False)
    assert jobs.wait_for_wake(0.01) is False
