"""Who is asking, for views behind @login_required and API endpoints behind api_auth.

One place, so every view and endpoint narrows `request.user` / `request.auth` the same way
(and a view that forgot its login check fails loudly instead of acting as AnonymousUser)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from cryptoshop.accounts.models import User

View = Callable[..., HttpResponse]


def viewer(request: HttpRequest) -> User | None:
    """The logged-in account of a page anyone may see, or None for a visitor."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def page_user(request: HttpRequest) -> User:
    """The logged-in account of a page view (the view is behind @login_required)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("page_user() in a view without @login_required")
    return user


def api_caller(request: HttpRequest) -> User:
    """The authenticated caller of an endpoint declared with auth=api_auth."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise PermissionError("api_caller() in an endpoint without auth=api_auth")
    return user


def staff_with_2fa(view: View) -> View:
    """Staff only (404 for everybody else, so the staff tools don't announce themselves),
    and only once two-factor authentication is on, as the admin requires."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = viewer(request)
        if user is None or not user.is_staff or not user.is_active:
            raise Http404("Not found.")
        if not user.totp_enabled:
            messages.warning(request, "Staff must turn on two-factor authentication first.")
            return redirect("accounts:2fa")
        return view(request, *args, **kwargs)

    return wrapper
