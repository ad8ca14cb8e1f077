"""Who is asking, for views behind @login_required and API endpoints behind api_auth.

One place, so every view and endpoint narrows `request.user` / `request.auth` the same way
(and a view that forgot its login check fails loudly instead of acting as AnonymousUser)."""

from __future__ import annotations

from django.http import HttpRequest

from cryptoshop.accounts.models import User


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
