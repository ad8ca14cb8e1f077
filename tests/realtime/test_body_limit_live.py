"""The body limit through the real server (uvicorn + core/body_limit.py), with the limit at
1 MB: a declared length over it is refused before any body is sent, and a chunked body with
no length is cut off with a 413 once it passes the limit — the answer the API's envelope.
The app tier tests the middleware against a stand-in; this checks it is in front of the
served app and that uvicorn lets the answer out while the client is still sending."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.realtime.conftest import Server, start_server

LIMIT_MB = 1


@pytest.fixture(scope="module")
def small_limit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("body-limit-var"),
                            {"CRYPTOSHOP_MAX_REQUEST_MB": str(LIMIT_MB)})


def _connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _answer(sock: socket.socket) -> tuple[int, dict[str, object]]:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body.decode() or "{}")


def test_a_declared_length_over_the_limit_is_refused_before_the_body(
        small_limit_server: Server) -> None:
    with _connect(small_limit_server.base) as sock:
        sock.sendall(b"POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\n"
                     + f"Content-Length: {2 * 1024 * 1024}\r\n\r\n".encode())
        status, body = _answer(sock)  # nothing of the body was sent
    assert status == 413 and body["error"] == "too_large"


def test_a_chunked_body_is_cut_off_once_over_the_limit(small_limit_server: Server) -> None:
    sent = 0
    with _connect(small_limit_server.base) as sock:
        sock.sendall(b"POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        try:
            while sent < 8 * LIMIT_MB * 1024 * 1024:  # keep sending well past the limit
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what we want
        status, body = _answer(sock)
    assert status == 413 and body["error"] == "too_large"
    log = Path(small_limit_server.log).read_text()
    assert "Traceback" not in log
