"""Small helpers every HTML view shares, so each rule is written once: where a form may send
the browser next, and how an action's error becomes a page's status."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from cryptoshop.core.errors import ActionError, RateLimited

# Statuses a page answers with when it shows an action's error inline next to its form. Others
# (403, 404) are not "fix the form" errors: they become 400 here, and pages that mean them
# let the error escape to ActionErrorMiddleware instead.
_FORM_STATUSES = frozenset({400, 401, 409, 429})


def safe_next(request: HttpRequest, default: str = "", *, within: str = "/") -> str:
    """The `next` target of a form or link if it is a path on this site under `within`, else
    `default` (a path or a URL name for redirect()). Never an open redirect: another host, a
    scheme-relative `//host` or a backslash trick falls back to the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (target.startswith(within) and "\\" not in target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        return target
    return default


def error_status(error: ActionError) -> int:
    return error.status if error.status in _FORM_STATUSES else 400


def with_retry_after(response: HttpResponse, error: ActionError | None) -> HttpResponse:
    """Tell a rate-limited client when to come back, on pages as in the API."""
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def render_form(request: HttpRequest, template: str, context: dict[str, Any],
                error: ActionError | None = None, *, invalid_form: bool = False) -> HttpResponse:
    """Render a form page: 200, or the error's status (with Retry-After when rate-limited), or
    400 when the form itself did not validate."""
    status = error_status(error) if error is not None else (400 if invalid_form else 200)
    return with_retry_after(render(request, template, context, status=status), error)
