from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from cryptoshop.core.context_processors import THEMES
from cryptoshop.core.web import safe_next


def help_payments(request: HttpRequest) -> HttpResponse:
    """How escrow and direct payments work, linked from every place that says how a store
    is paid."""
    return render(request, "help/payments.html")


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
    message = "The request could not be understood."
    if request.path.startswith("/api/"):
        return JsonResponse({"success": False, "error": "bad_request", "message": message},
                            status=400)
    return standalone_error(400, "Bad request", message)


def too_large_response(path: str) -> HttpResponse:
    message = (f"That is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}"
               " MB of form fields or JSON per request.")
    if path.startswith("/api/"):
        return JsonResponse({"success": False, "error": "too_large", "message": message},
                            status=413)
    return standalone_error(413, "Too large", message)


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
