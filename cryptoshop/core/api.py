"""The JSON API: one NinjaAPI, one response envelope, camelCase schemas, error mapping.

Every answer is {"success": bool, "data"?, "error"?, "message"?, "pagination"?}. Errors:
400 with per-field `details` for bad input, 401/403/404/409, 429 with Retry-After, and a
500 that says nothing internal.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import ConfigDict, create_model
from pydantic.alias_generators import to_camel

from cryptoshop.core.errors import ActionError, RateLimited, ValidationFailed
from cryptoshop.core.pagination import Pagination

logger = logging.getLogger(__name__)


class CamelSchema(Schema):
    """Schemas speak camelCase on the wire (what JavaScript clients expect) and snake_case in
    Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ErrorOut(CamelSchema):
    success: bool = False
    error: str
    message: str
    details: dict[str, list[str]] | None = None


_envelopes: dict[type, type] = {}


def envelope(data_model: type) -> type:
    """The response schema {"success": true, "data": <data_model>, "message"?}."""
    if data_model not in _envelopes:
        _envelopes[data_model] = create_model(
            f"{data_model.__name__}Envelope",
            __base__=CamelSchema,
            success=(bool, True),
            data=(data_model, ...),
            message=(str | None, None),
        )
    return _envelopes[data_model]


class PaginationOut(CamelSchema):
    page: int
    limit: int
    total: int
    pages: int


_paged: dict[type, type] = {}


def paged_envelope(item_model: type, name: str) -> type:
    """The response schema of a paged list: {"success": true, "data": [<item_model>],
    "pagination": {"page", "limit", "total", "pages"}}."""
    if item_model not in _paged:
        _paged[item_model] = create_model(
            name,
            __base__=CamelSchema,
            success=(bool, True),
            data=(list[item_model], ...),  # type: ignore[valid-type]
            pagination=(PaginationOut, ...),
        )
    return _paged[item_model]


def paged(data: list[Any], pagination: Pagination) -> dict[str, Any]:
    """A paged list answer (see paged_envelope)."""
    return {"success": True, "data": data, "pagination": pagination.as_dict()}


def ok(data: Any, message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "data": data}
    if message:
        body["message"] = message
    return body


api = NinjaAPI(
    title="CryptoShop API",
    version=settings.VERSION,
    description="Anonymous marketplace API. Amounts are integer satoshis in fields ending in "
    "`Sat`. Authenticate with the session cookie (plus X-CSRFToken) or "
    "`Authorization: Bearer <sessionToken>` from /api/auth/login.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(
    request: HttpRequest,
    status: int,
    error: str,
    message: str,
    details: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"success": False, "error": error, "message": message}
    if details:
        body["details"] = details
    response = api.create_response(request, body, status=status)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _field_of(loc: list[Any]) -> str:
    # ninja's loc is ["body", "payload", "displayName"]; keep what a client can act on.
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "form", "payload"}]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for err in exc.errors:
        details.setdefault(_field_of(list(err.get("loc", []))), []).append(
            str(err.get("msg", "invalid"))
        )
    return error_response(request, 400, "validation_error", "Invalid input.", details)


@api.exception_handler(ActionError)
def _action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    details = exc.details if isinstance(exc, ValidationFailed) else None
    if details is None and exc.field:
        details = {exc.field: [exc.message]}
    return error_response(request, exc.status, exc.code, exc.message, details, headers)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "not_authenticated", "Log in first.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            429: "rate_limited"}.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Raised while reading the request (a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE, too
    # many fields): the caller's fault, not ours.
    if isinstance(exc, RequestDataTooBig):
        return error_response(request, 413, "too_large", "That is too large: at most "
                              f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB of "
                              "JSON per request.")
    return error_response(request, 400, "bad_request", "The request could not be understood.")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(request, 500, "server_error", "Something went wrong on our side.")
