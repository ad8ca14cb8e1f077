"""Push from the node, wired into the shop (payments/push.py, core/jobs.py): the watcher's
process finds out which node it talks to and listens (here a stand-in bitcoind: a JSON-RPC
server answering as Core does and a real ZMQ PUB socket), a notification wakes the job loop
and the chain jobs run before their interval, and /api/health shows the push status."""

from __future__ import annotations

import json
import struct
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import zmq
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from cryptoshop.core import jobs
from cryptoshop.payments import push
from cryptoshop.payments.models import WatcherState
from tests.app.moderation_setup import log_in
from tests.factories import operator

pytestmark = pytest.mark.django_db
PORTS = (8660, 8689)  # this suite's loopback range for the stand-in node


class _CoreRPC(BaseHTTPRequestHandler):
    """Answers like Bitcoin Core: no `version` method; ZMQ endpoints as configured."""

    zmq_address = ""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if request["method"] == "getzmqnotifications":
            reply = {"result": [{"type": "pubhashblock", "address": self.zmq_address,
                                 "hwm": 1000},
                                {"type": "pubrawtx", "address": self.zmq_address,
                                 "hwm": 1000}], "error": None}
        else:
            reply = {"result": None,
                     "error": {"code": -32601, "message": "Method not found"}}
        body = json.dumps({**reply, "id": request["id"]}).encode()
        self.send_response(200 if reply["error"] is None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bitcoind(settings: Any) -> Iterator[zmq.Socket[bytes]]:
    """A stand-in bitcoind (RPC + ZMQ PUB) and the shop's settings pointing at it."""
    publisher: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.PUB)
    publisher.setsockopt(zmq.LINGER, 0)
    zmq_port = publisher.bind_to_random_port("tcp://127.0.0.1", *PORTS)
    handler = type("Handler", (_CoreRPC,), {"zmq_address": f"tcp://127.0.0.1:{zmq_port}"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    settings.CHAIN_PUSH = "on"
    settings.CHAIN_ZMQ_ENDPOINTS = []
    cache.delete(push.STATUS_KEY)
    try:
        yield publisher
    finally:
        push.stop()
        server.shutdown()
        server.server_close()
        publisher.close(linger=0)
        cache.delete(push.STATUS_KEY)


def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def staff(client: Client) -> Client:
    log_in(client, operator())
    return client


def test_the_watcher_process_listens_to_bitcoind_and_health_shows_it(
        bitcoind: zmq.Socket[bytes], staff: Client) -> None:
    WatcherState.objects.create(name="chain", network="regtest", cursor_height=5,
                                tip_height=5, leader="host:1", last_poll_at=timezone.now())
    push.enable()  # what the worker loop does when it starts (ON_CHAIN_LOOP_START)
    _until(lambda: push.current()["connected"])
    assert push.current()["kind"] == "bitcoind-zmq"
    jobs.wait_for_wake(0)  # the wake of connecting
    seq = 0

    def hashblock_woke() -> bool:
        nonlocal seq
        bitcoind.send_multipart([b"hashblock", b"\x11" * 32, struct.pack("<I", seq)])
        seq += 1
        # The wake of connecting may still be pending (the listener says "connected"
        # just before it wakes): only a wake with a notification counted is the block's.
        return jobs.wait_for_wake(0.1) and push.current()["notifications"] >= 1

    # (A SUB subscription reaches the publisher just after connecting: send until heard.)
    _until(hashblock_woke)
    push.publish_status()
    data = staff.get("/api/health/watcher").json()["data"]
    assert data["state"] == "up"
    shown = data["details"]["push"]
    assert shown["connected"] is True and shown["kind"] == "bitcoind-zmq"
    assert shown["notifications"] >= 1 and shown["lastNotificationAgeSeconds"] is not None


def test_health_is_degraded_when_push_is_required_but_the_node_cant_be_asked(
        staff: Client, settings: Any) -> None:
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens: the node is down
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    WatcherState.objects.create(name="chain", network="regtest", cursor_height=5,
                                tip_height=5, leader="host:1", last_poll_at=timezone.now())
    try:
        for mode, state in (("on", "degraded"), ("auto", "up")):
            settings.CHAIN_PUSH = mode
            push.stop()
            push.enable()
            push.publish_status()
            data = staff.get("/api/health/watcher").json()["data"]
            assert data["state"] == state, data
            assert "could not ask the node" in data["details"]["push"]["unavailable"]
    finally:
        push.stop()
        cache.delete(push.STATUS_KEY)


def test_a_wake_runs_the_chain_jobs_before_their_interval(monkeypatch: pytest.MonkeyPatch,
                                                          settings: Any) -> None:
    monkeypatch.setattr(jobs, "_jobs", {})
    monkeypatch.setattr(jobs, "_chain_jobs", {})
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)
    settings.WATCHER_IN_WEB = True
    ran: list[str] = []
    jobs.register_chain_job("watch_test", lambda: ran.append("chain"), 30)
    jobs.register_job("other_test", 30, lambda: ran.append("other"))
    start = time.time()
    jobs.run_due_jobs(now=start)
    assert ran == ["chain", "other"]
    jobs.run_due_jobs(now=start + 1)  # not due for 30 s
    assert ran == ["chain", "other"]
    jobs.run_due_jobs(now=start + 2, chain_now=True)  # woken by the node
    assert ran == ["chain", "other", "chain"]
