from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from cryptoshop.core.context_processors import THEMES
from cryptoshop.core.web import safe_next


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    """The dark-mode switch as a plain form, so it works without JavaScript too."""
    theme = request.POST.get("theme", "system")
    response = redirect(safe_next(request, "/"))
    if theme in THEMES:
        response.set_cookie("theme", theme, max_age=365 * 86400, samesite="Lax",
                            httponly=False, secure=request.is_secure())
    return response


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "errors/error.html",
                  {"status": status, "title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Also reached before the middleware ran (an unknown Host: no session, no user yet),
    so nothing here may look at the request's context."""
    if isinstance(exception, RequestDataTooBig):  # a form or JSON body over DATA_UPLOAD_…
        return too_large_response(request.path)
    return early_error(request.path, 400, "bad_request", "Bad request",
                       "The request could not be understood.")


def too_large_message(limit_bytes: int, of: str = "") -> str:
    """"That is too large: at most N MB [of …] per request." — one wording for every limit."""
    what = f"{of} " if of else ""
    return f"That is too large: at most {limit_bytes // (1024 * 1024)} MB {what}per request."


def too_large_response(path: str) -> HttpResponse:
    return early_error(path, 413, "too_large", "Too large", too_large_message(
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "of form fields or JSON"))


def early_error(path: str, status: int, code: str, title: str, message: str,
                details: dict[str, list[str]] | None = None) -> HttpResponse:
    """An error answered without the request's context (before the middleware ran, or by
    a middleware refusing the request): the API's envelope under /api/, the standalone
    error page elsewhere."""
    if path.startswith("/api/"):
        body: dict[str, object] = {"success": False, "error": code, "message": message}
        if details:
            body["details"] = details
        return JsonResponse(body, status=status)
    return standalone_error(status, title, message)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "Not allowed", "You don't have access to this page.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Page not found",
                  "There is nothing here. It may have been removed, or never existed.")


def standalone_error(status: int, title: str, message: str) -> HttpResponse:
    """An error page rendered without the request's context (no session, user or database
    lookups): for failures before the middleware ran, or when the database is what failed."""
    html = render_to_string("errors/error.html", {
        "status": status, "title": title, "message": message,
        "SITE_NAME": settings.SITE_NAME, "VERSION": settings.VERSION, "theme": "system",
    })
    return HttpResponse(html, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    return standalone_error(500, "Something went wrong",
                            "An error on our side. Please try again in a moment.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "Form expired",
                  "This form was open too long or came from another site. Go back, reload "
                  "the page and try again.")
