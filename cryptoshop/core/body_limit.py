"""The request body limit (settings.MAX_REQUEST_BYTES, CRYPTOSHOP_MAX_REQUEST_MB), enforced
in ASGI while the body streams in — before Django spools any of it to disk.

- A `Content-Length` over the limit is answered 413 at once, nothing read.
- A body without one (chunked) is counted as it arrives; once over the limit the app below
  is told the client went away (Django stops reading and answers nothing) and the client
  gets the 413.

The answer is the API's JSON envelope under /api/, the error page elsewhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
