"""Who is calling: browser sessions (cookie + CSRF) and API bearer credentials.

Bearer values:
- "css_<session key>" — a session made by POST /api/auth/login (passed 2FA if it is on);
  ends on logout, token rotation or account deletion, like a browser session.
- "cs1_…" — the raw access token, accepted only for accounts *without* 2FA; otherwise
  the second factor would be pointless for API callers.
- "csk_…" — a store API key: only endpoints declared with stores.key_auth accept one;
  everywhere else it is refused (403) with a message that says so.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from cryptoshop.accounts import actions
from cryptoshop.accounts.models import User

SESSION_TOKEN_PREFIX = "css_"  # noqa: S105 (a format prefix, not a secret)
STORE_KEY_PREFIX = "csk_"
BACKEND = "cryptoshop.accounts.backends.AccessTokenBackend"


def create_api_session(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["api"] = True
    store.create()
    assert store.session_key is not None
    return SESSION_TOKEN_PREFIX + store.session_key


def user_for_session_token(value: str) -> tuple[User, SessionStore] | None:
    key = value.removeprefix(SESSION_TOKEN_PREFIX)
    if not key.isalnum() or len(key) > 64:
        return None
    store = SessionStore(session_key=key)
    uid = store.get(SESSION_KEY)
    if uid is None:
        return None
    user = User.objects.filter(pk=uid, is_active=True).first()
    if user is None:
        return None
    if not constant_time_compare(str(store.get(HASH_SESSION_KEY, "")),
                                 user.get_session_auth_hash()):
        return None
    return user, store


def has_cookies(request: HttpRequest) -> bool:
    return bool(
        request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        or request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    )


def enforce_csrf(request: HttpRequest) -> None:
    if request.method in {"GET", "HEAD", "OPTIONS", "TRACE"}:
        return
    if check_csrf(request) is not None:
        raise HttpError(403, "CSRF check failed: send the X-CSRFToken header.")


def bearer_of(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def api_user(request: HttpRequest) -> User | None:
    """Resolve the caller; None means anonymous. Raises 401 for a bad bearer credential."""
    bearer = bearer_of(request)
    if bearer is not None:
        if bearer.startswith(SESSION_TOKEN_PREFIX):
            found = user_for_session_token(bearer)
            if found is None:
                raise HttpError(401, "That session token is not valid (logged out or expired).")
            request.api_session = found[1]  # type: ignore[attr-defined]
            return found[0]
        if bearer.startswith(STORE_KEY_PREFIX):  # only endpoints of stores.key_auth take one
            raise HttpError(403, "A store API key can't call this endpoint: use your "
                                 "account's session token (POST /api/auth/login).")
        user = actions.user_for_token(bearer)
        if user is None or not user.is_active:
            raise HttpError(401, "That access token is not valid.")
        if user.totp_enabled:
            raise HttpError(401, "Two-factor authentication is on: log in at /api/auth/login "
                                 "and use the sessionToken it returns.")
        return user
    # Cookie session: ambient credentials, so state changes need the CSRF token.
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        enforce_csrf(request)
        return user
    return None


class BearerAuth(HttpBearer):
    """django-ninja auth: the endpoint runs only for an authenticated caller. Documented as
    the `BearerAuth` scheme (`Authorization: Bearer <sessionToken>`); browser JavaScript may
    use the session cookie plus X-CSRFToken instead."""

    openapi_bearerFormat = ("css_… session token from /api/auth/login, or a csk_… store API "
                            "key where an endpoint accepts one (docs/api.md)")

    def __call__(self, request: HttpRequest) -> User | None:
        return api_user(request)

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_user(request)  # pragma: no cover (__call__ reads the header itself)


api_auth = BearerAuth()
