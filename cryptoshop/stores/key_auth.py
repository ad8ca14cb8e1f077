"""Endpoint credentials that accept a store API key (docs/adr/0014-store-api-keys.md).

``auth=key_or_account("orders:read")`` runs the endpoint for either
- the account's own credentials (session token, access token, cookie + CSRF: the full
  rights of the account, as ``accounts.sessions.api_auth``), or
- ``Authorization: Bearer csk_…``, a key of the caller's store that has the scope: the
  endpoint then runs as the store's owner (``api_caller``), and ``api_key_of(request)``
  says it was a key, so the endpoint keeps to the store's side of things.
A revoked or unknown key is 401; a key without the scope is 403 ``insufficient_scope``.
``key_or_account(None)`` accepts any key of the store (reads that every key may do).
``account_only`` refuses keys outright (403): a key can't mint or revoke keys."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError

from cryptoshop.accounts.models import User
from cryptoshop.accounts.sessions import BearerAuth as AccountAuth
from cryptoshop.accounts.sessions import api_user, bearer_of
from cryptoshop.core.errors import ActionError
from cryptoshop.stores import api_keys
from cryptoshop.stores.models import StoreApiKey


class InsufficientScope(ActionError):
    status = 403
    code = "insufficient_scope"


class KeyNotAllowed(ActionError):
    status = 403
    code = "api_key_not_allowed"


class BearerAuth(AccountAuth):
    """Named like the account scheme on purpose: the OpenAPI document keeps one
    `BearerAuth` security scheme, whose format names both kinds of bearer value."""

    def __init__(self, scope: str | None, *, keys: bool = True) -> None:
        if scope is not None and scope not in api_keys.SCOPES:
            raise ValueError(f"unknown API key scope {scope!r}")
        super().__init__()
        self.scope = scope
        self.keys = keys

    def __call__(self, request: HttpRequest) -> User | None:
        bearer = bearer_of(request)
        if bearer is None or not bearer.startswith(api_keys.KEY_PREFIX):
            return api_user(request)
        if not self.keys:
            raise KeyNotAllowed("A store API key can't do this: use your account's "
                                "session token (POST /api/auth/login).")
        key = api_keys.key_for_secret(bearer)
        if key is None:
            raise HttpError(401, "That API key is not valid (unknown or revoked).")
        if self.scope is not None and self.scope not in key.scopes:
            raise InsufficientScope(f"This API key lacks the {self.scope!r} scope; its "
                                    f"scopes: {', '.join(key.scopes)}.")
        api_keys.touch(key)
        request.api_key = key  # type: ignore[attr-defined]
        return key.store.owner


def key_or_account(scope: str | None) -> BearerAuth:
    return BearerAuth(scope)


account_only = BearerAuth(None, keys=False)


def api_key_of(request: HttpRequest) -> StoreApiKey | None:
    """The store API key the caller used, or None for the account's own credentials."""
    key = getattr(request, "api_key", None)
    return key if isinstance(key, StoreApiKey) else None


def refuse_keys(request: HttpRequest) -> None:
    """For an endpoint that accepts a key for some of what it does but not this."""
    if api_key_of(request) is not None:
        raise KeyNotAllowed("A store API key can't do this: use your account's session "
                            "token.")
