"""Errors raised by domain actions; HTML views and the API each render them their way."""

from __future__ import annotations


class ActionError(Exception):
    """A request that can't be carried out, with a message fit to show the user."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(ActionError):
    code = "validation_error"

    def __init__(self, details: dict[str, list[str]], message: str = "Invalid input."):
        super().__init__(message)
        self.details = details


def invalid(field: str, message: str) -> ValidationFailed:
    """One field's error, with the message also as the error's own text (for APIs and
    logs that show only that)."""
    return ValidationFailed({field: [message]}, message)


class NotAuthenticated(ActionError):
    status = 401
    code = "not_authenticated"


class Forbidden(ActionError):
    status = 403
    code = "forbidden"


class NotFound(ActionError):
    status = 404
    code = "not_found"


class Conflict(ActionError):
    status = 409
    code = "conflict"


class RateLimited(ActionError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many attempts. Try again in {retry_after} seconds.")
        self.retry_after = retry_after
