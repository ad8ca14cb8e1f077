"""The request body limit (settings.MAX_REQUEST_BYTES, CRYPTOSHOP_MAX_REQUEST_MB), enforced
in ASGI while the body streams in — before Django spools any of it to disk.

- A `Content-Length` over the limit is answered 413 at once, nothing read.
- A body without one (chunked) is counted as it arrives; once over the limit the app below
  is told the client went away (Django stops reading and answers nothing) and the client
  gets the 413.

The answer is the API's JSON envelope under /api/, the error page elsewhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from tempfile import SpooledTemporaryFile
from typing import Any

from django.conf import settings

from cryptoshop.core.views import early_error, too_large_message

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def too_large(path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    response = early_error(path, 413, "too_large", "Too large",
                           too_large_message(settings.MAX_REQUEST_BYTES))
    return 413, [(b"content-type", response["Content-Type"].encode()),
                 (b"content-length", str(len(response.content)).encode()),
                 (b"connection", b"close")], response.content


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """Wraps the whole ASGI app (config/asgi.py); only HTTP requests are looked at."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.MAX_REQUEST_BYTES
        length = declared_length(scope)
        if length is not None and length > limit:
            await self._refuse(scope, send)
            return
        received = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, watching_send)
        if over and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        status, headers, body = too_large(str(scope.get("path", "")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class WholeChunkedBody:
    """Django runs as WSGI (config/asgi.py, ADR 16), and WSGI reads a body by its
    Content-Length: without one (a chunked upload) the view would see an empty body. So a
    body without a Content-Length is read whole first (in memory up to 1 MB, then a temp
    file; BodyLimitMiddleware above cuts it off at the limit) and handed on with its length,
    as Django's ASGI handler did. Bodies with a Content-Length pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or declared_length(scope) is not None or not any(
                name.lower() == b"transfer-encoding" for name, _ in scope.get("headers", [])):
            await self.app(scope, receive, send)
            return
        with SpooledTemporaryFile(max_size=1024 * 1024) as body:
            while True:
                message = await receive()
                if message.get("type") == "http.disconnect":
                    return  # gone, or over the limit (BodyLimitMiddleware answers 413)
                body.write(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            size = body.tell()
            body.seek(0)
            headers = [(k, v) for k, v in scope.get("headers", [])
                       if k.lower() != b"transfer-encoding"]
            headers.append((b"content-length", str(size).encode()))
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return await receive()
                chunk = body.read(65536)
                sent = body.tell() >= size
                return {"type": "http.request", "body": chunk, "more_body": not sent}

            await self.app({**scope, "headers": headers}, replay, send)
