"""Cross-cutting HTTP middleware: security headers and a privacy-preserving request log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cryptoshop.core.errors import ActionError
from cryptoshop.core.views import early_error, too_large_message
from cryptoshop.core.web import with_retry_after

logger = logging.getLogger("cryptoshop.request")

# No third-party origins anywhere: every asset is ours. 'unsafe-inline' is not allowed for
# scripts; inline SVG (QR codes) needs no exception. ws:/wss: for Socket.IO.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class RequestLogMiddleware:
    """One line per request: method, path (no query string), status, duration. No client
    address, no user agent, no tokens: the log must be safe to keep."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        return response


class ActionErrorMiddleware:
    """An ActionError escaping a page view becomes a styled error page with its status
    (NotFound -> 404 …) instead of a 500. Views that show errors inline catch them first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ActionError) or request.path.startswith("/api/"):
            return None
        titles = {401: "Log in first", 403: "Not allowed", 404: "Page not found",
                  409: "Not possible right now", 429: "Slow down"}
        status = exception.status
        message = exception.message
        if status == 404:
            message = "There is nothing here. It may have been removed, or never existed."
        response = render(request, "errors/error.html", {
            "status": status, "title": titles.get(status, "That didn't work"),
            "message": message}, status=status)
        return with_retry_after(response, exception)


class RefuseNulMiddleware:
    """No path or parameter of ours can contain a NUL byte, and PostgreSQL refuses one in
    text (a driver error, so a 500, wherever it reaches a query). Refuse it at the door: a
    path with one names nothing (404), a query parameter with one is a bad request (400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return early_error(request.path, 404, "not_found", "Page not found",
                           "There is nothing here. It may have been removed, or never existed.")
        bad = [key for key, values in request.GET.lists()
               if "\x00" in key or any("\x00" in v for v in values)]
        if bad:
            # The API's own answer for a refused parameter: 400 with details per field.
            details = {key.replace("\x00", ""): [NUL_MESSAGE] for key in bad}
            return early_error(request.path, 400, "validation_error", "Bad request",
                               NUL_MESSAGE, details)
        return self.get_response(request)


NUL_MESSAGE = "NUL characters are not allowed."


class RequestSizeLimitMiddleware:
    """Refuse a declared Content-Length over CRYPTOSHOP_MAX_REQUEST_MB before Django reads
    the body. Served by uvicorn, core/body_limit.py (ASGI, in front of everything) already
    enforces the limit while the body streams in, chunked bodies too; this stays as the
    backstop for any other way in (a WSGI server, Django's test client)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            return early_error(request.path, 413, "too_large", "Too large",
                               too_large_message(limit))
        return self.get_response(request)
