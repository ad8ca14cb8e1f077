"""Requests that are the client's fault answer 4xx, never 500: bodies over the limits
(413, counted while they stream in), an unknown Host (400), a NUL in a media path (404)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# --- 3. 4xx, not 5xx ------------------------------------------------------------------------------

def test_json_body_over_the_form_limit_is_413_with_the_envelope(client: Client) -> None:
    body = json.dumps({"displayName": "x" * (3 * 1024 * 1024)})
    response = client.post("/api/auth/register", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["success"] is False and response.json()["error"] == "too_large"
    page = client.post("/accounts/login/", {"token": "x" * (3 * 1024 * 1024)})
    assert page.status_code == 413 and b"<html" in page.content.lower()


def test_unknown_host_is_400(client: Client) -> None:
    api = client.get("/api/products", HTTP_HOST="evil.example")
    assert api.status_code == 400
    assert api.json()["success"] is False and api.json()["error"] == "bad_request"
    page = client.get("/", HTTP_HOST="evil.example")
    assert page.status_code == 400 and b"Bad request" in page.content


def test_nul_byte_in_a_media_path_is_404(client: Client) -> None:
    assert client.get("/media/listings/a%00b.webp").status_code == 404


def _run_asgi(app: Any, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]],
              ) -> tuple[list[dict[str, Any]], int]:
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": headers, "http_version": "1.1",
             "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1)}
    messages: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1],
                    "more_body": read < len(chunks)}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), 10))
    return messages, read


async def _reads_all(scope: Any, receive: Any, send: Any) -> None:
    """A stand-in for Django: reads the whole body, then answers 200 with its length."""
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.mark.parametrize("path,json_answer", [("/api/auth/register", True),
                                              ("/sell/listings/new/", False)])
def test_body_limit_is_enforced_while_the_body_streams_in(settings, path: str,
                                                          json_answer: bool) -> None:
    from cryptoshop.core.body_limit import BodyLimitMiddleware

    settings.MAX_REQUEST_BYTES = 10_000
    app = BodyLimitMiddleware(_reads_all)
    chunk = b"x" * 1000
    # Chunked (no Content-Length): stops reading soon after the limit, answers 413.
    messages, read = _run_asgi(app, path, [chunk] * 1000, [])
    assert messages[0]["status"] == 413 and read <= 12
    body = messages[1]["body"]
    if json_answer:
        assert json.loads(body)["error"] == "too_large"
    else:
        assert b"<html" in body.lower() and b"Too large" in body
    # Content-Length over the limit: refused before reading anything.
    messages, read = _run_asgi(app, path, [chunk] * 20, [(b"content-length", b"20000")])
    assert messages[0]["status"] == 413 and read == 0
    # Within the limit: passed through untouched.
    messages, read = _run_asgi(app, path, [chunk] * 10, [])
    assert messages[0]["status"] == 200 and messages[1]["body"] == b"10000"


def test_the_served_app_limits_bodies() -> None:
    from config.asgi import application
    from cryptoshop.core.body_limit import BodyLimitMiddleware

    assert isinstance(application, BodyLimitMiddleware)
