"""The served arrangement (config/asgi.py, ADR 16): Django as WSGI in a thread pool behind
uvicorn, Socket.IO beside it in the same process. Two page requests must be able to run at
the same time (Django's ASGI handler ran sync views one at a time: the rendezvous would
time out with 409), each on a pool thread, while a Socket.IO connection stays up and still
gets events."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from tests.realtime.conftest import ROOT, Live, Server, session_for


def _rendezvous(base: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(base + "/__test__/rendezvous", timeout=15) as answer:  # noqa: S310 (loopback)
            return answer.status, dict(json.loads(answer.read()))
    except urllib.error.HTTPError as exc:
        return exc.code, dict(json.loads(exc.read() or b"{}"))


def test_pages_run_in_parallel_threads_beside_socketio(server: Server) -> None:
    async def scenario() -> list[tuple[int, dict[str, Any]]]:
        order = server.world["order"]
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            assert (await live.subscribe(f"order-{order}"))["joined"] == [f"order-{order}"]
            with ThreadPoolExecutor(2) as pool:
                answers = await asyncio.gather(*(
                    asyncio.get_running_loop().run_in_executor(pool, _rendezvous, server.base)
                    for _ in range(2)))
            assert live.client.connected
            # The Socket.IO side still delivers, from a page request's thread.
            await asyncio.to_thread(server.publish, f"order-{order}", "notification",
                                    {"type": "ping"})
            name, data, _at = await live.next_event(timeout=5)
            assert (name, data["type"]) == ("notification", "ping")
        finally:
            await live.close()
        return list(answers)

    answers = asyncio.run(scenario())
    assert [status for status, _ in answers] == [200, 200], answers
    assert {body["request"] for _, body in answers} == {"WSGIRequest"}
    threads = {body["thread"] for _, body in answers}
    assert len(threads) == 2 and all(name != "MainThread" for name in threads), threads


def _raw_get(base: str, path: str, extra: str = "") -> socket.socket:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    return sock


def test_static_files_stream_whole_and_a_client_leaving_midway_costs_nothing(
        server: Server) -> None:
    path = "/static/build/app.css"
    expected = (ROOT / "cryptoshop" / "static" / "build" / "app.css").read_bytes()
    assert len(expected) > 100_000  # several chunks of WhiteNoise's file iterator
    with urllib.request.urlopen(server.base + path, timeout=10) as answer:  # noqa: S310 (loopback)
        assert answer.status == 200 and answer.read() == expected
    # Clients that hang up after the first bytes, more of them than there are threads:
    # each thread must be given back (a stuck one would leave none for the page below).
    for _ in range(12):
        with _raw_get(server.base, path, "Connection: close\r\n") as sock:
            assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    ranged = urllib.request.Request(server.base + path, headers={"Range": "bytes=10-19"})  # noqa: S310
    with urllib.request.urlopen(ranged, timeout=10) as answer:  # noqa: S310 (loopback)
        assert answer.status == 206 and answer.read() == expected[10:20]
    with urllib.request.urlopen(server.base + "/api/health", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200


def test_a_websocket_upgrade_outside_socketio_is_refused_not_a_500(server: Server) -> None:
    # Socket.IO takes /socket.io/ (websocket upgrades: the Live client above); an upgrade
    # anywhere else reaches the WSGI bridge, which can't speak websockets: refused cleanly.
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    with _raw_get(server.base, "/search/", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n") as sock:
        head = sock.recv(1024).split(b"\r\n")[0]
    assert head.startswith(b"HTTP/1.1 ") and head.split(b" ")[1] in {b"403", b"404"}, head
    with urllib.request.urlopen(server.base + "/api/health", timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
