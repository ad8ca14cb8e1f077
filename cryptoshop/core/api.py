"""The JSON API: one NinjaAPI, one response envelope, camelCase schemas, error mapping.

Every answer is {"success": bool, "data"?, "error"?, "message"?, "pagination"?}. Errors:
400 with per-field `details` for bad input, 401/403/404/409, 429 with Retry-After, and a
500 that says nothing internal.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from annotated_types import Ge, Le
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from cryptoshop.core.errors import ActionError, RateLimited, ValidationFailed
from cryptoshop.core.pagination import MAX_LIMIT, MAX_PAGE, Pagination
from cryptoshop.core.views import too_large_message

logger = logging.getLogger(__name__)


class CamelSchema(Schema):
    """Schemas speak camelCase on the wire (what JavaScript clients expect) and snake_case in
    Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


NUL_MESSAGE = "NUL characters are not allowed."
NO_NUL = "^[^\\x00]*$"  # the JSON Schema pattern of every string the API reads


def _refuse_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    if isinstance(value, list):
        for item in value:
            _refuse_nul(item)
    return value


class _NoNulPattern:
    """Says in the JSON Schema what _refuse_nul enforces (with its own message)."""

    def __get_pydantic_json_schema__(self, core: Any, handler: GetJsonSchemaHandler) -> Any:
        schema = handler(core)
        schema["pattern"] = NO_NUL
        return schema


# A query string parameter: NUL refused (as the HTML forms refuse it), and said so.
Text = Annotated[str, AfterValidator(_refuse_nul), _NoNulPattern()]
# Query parameters of every list: outside these ranges is a 400, like any other bad value.
Page = Annotated[int, Ge(1), Le(MAX_PAGE)]
Limit = Annotated[int, Ge(1), Le(MAX_LIMIT)]


def _no_nul_in_schema(schema: dict[str, Any]) -> None:
    """Add the NUL-free pattern to every free-text string property of a request body."""
    def mark(node: dict[str, Any]) -> None:
        fixed = {"enum", "const", "format", "pattern"} & set(node)
        if node.get("type") == "string" and not fixed:
            node["pattern"] = NO_NUL
        for sub in node.get("anyOf", []):
            mark(sub)
        if isinstance(node.get("items"), dict):
            mark(node["items"])

    for prop in schema.get("properties", {}).values():
        mark(prop)


class In(CamelSchema):
    """A request body: a JSON object (anything else is a 400), strict types (``true`` is not
    a number, ``"1"`` not an integer), and no NUL characters in any string."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, strict=True,
                              json_schema_extra=_no_nul_in_schema)

    # Replaces ninja's root validator, which reads any object by attribute (so `[null, null]`
    # passed as an empty body): a request body is a JSON object, validated as such.
    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any],
                            info: ValidationInfo) -> Any:
        if not isinstance(values, dict | cls):
            raise PydanticCustomError("object_type", "Expected a JSON object.")
        return handler(values)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


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
    total: int = Field(description="How many there are; at least this many when totalExact "
                                   "is false (GET /api/products counts up to 10,000).")
    pages: int = Field(description="Pages at `limit` each (at least, when totalExact is "
                                   "false).")
    total_exact: bool = Field(description="Whether total is an exact count.")
    has_next: bool = Field(description="Whether a page follows this one.")


_paged: dict[type, type] = {}


def paged_envelope(item_model: type, name: str) -> type:
    """The response schema of a paged list: {"success": true, "data": [<item_model>],
    "pagination": {"page", "limit", "total", "pages", "totalExact", "hasNext"}}."""
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


BEARER = "BearerAuth"  # the securityScheme name (accounts.sessions.BearerAuth)
# openapi_extra of an operation that reads credentials when given but needs none.
OPTIONAL_AUTH: dict[str, Any] = {"security": [{BEARER: []}, {}]}
_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
_STATUS_TEXT = {400: "Bad request: invalid input (`details` per field)",
                401: "Not authenticated (`not_authenticated`), or bad credentials",
                403: "Forbidden (e.g. a cookie session without X-CSRFToken)",
                404: "Not found (or not yours)", 409: "Conflict with the current state",
                413: "Request body too large", 429: "Rate limited (see Retry-After)",
                500: "Server error (nothing internal is said)",
                503: "A backend this needs is unavailable"}


def error_statuses(operation: dict[str, Any], path: str, method: str) -> set[int]:
    """The error statuses any operation of this kind can answer: every one 400 (bad input,
    bad Host) and 500; with a body 413; with a path parameter 404; with credentials 401,
    403 (CSRF, or not allowed) and 404 (nothing of yours), and when it changes state 409
    (not in this state). Operations add their own (429, 503…) with `errors()`."""
    found = {400, 500}
    if "requestBody" in operation:
        found.add(413)
    if "{" in path:
        found.add(404)
    security = operation.get("security", [])
    if any(BEARER in option for option in security):
        found |= {401, 403}
        if {} not in security:  # an account is required
            found.add(404)
            if method != "get":
                found.add(409)
    return found


def errors(*statuses: int) -> dict[int, type]:
    """Extra error answers of one operation, for its `response=` (all ErrorOut)."""
    return dict.fromkeys(statuses, ErrorOut)


class CryptoShopAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"]["ErrorOut"] = ErrorOut.model_json_schema(
            by_alias=True, mode="serialization")
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                responses = operation["responses"]
                for status in error_statuses(operation, path, method):
                    responses.setdefault(status, {"description": _STATUS_TEXT[status],
                                                  "content": _ERROR_REF})
                for status, response in responses.items():
                    if status in _STATUS_TEXT and response.get("description") in {
                            None, "Unknown Status Code"}:
                        response["description"] = _STATUS_TEXT[status]
                operation["responses"] = dict(sorted(responses.items()))
        return schema


api = CryptoShopAPI(
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
    code = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large",
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
        return error_response(request, 413, "too_large", too_large_message(
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "of JSON"))
    return error_response(request, 400, "bad_request", "The request could not be understood.")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(request, 500, "server_error", "Something went wrong on our side.")
