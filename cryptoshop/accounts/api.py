"""/api/auth/*: thin wrappers over accounts.actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import logout as django_logout
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts import actions, sessions
from cryptoshop.accounts.models import User
from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import CamelSchema, In, envelope, errors, ok
from cryptoshop.core.ratelimit import client_ip

router = Router(tags=["auth"])


class UserOut(CamelSchema):
    id: str
    display_name: str | None
    is_staff: bool
    two_factor_enabled: bool
    default_refund_address: str | None = None
    created_at: datetime


def user_out(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.public_id, display_name=user.display_name, is_staff=user.is_staff,
        two_factor_enabled=user.totp_enabled,
        default_refund_address=user.default_refund_address or None,
        created_at=user.date_joined,
    ).model_dump(by_alias=True)



class RegisterIn(In):
    display_name: str | None = Field(default=None, max_length=64)


class RegisterOut(CamelSchema):
    token: str
    user: UserOut
    warning: str


@router.post("/register", response={201: envelope(RegisterOut), **errors(403, 429)},
             by_alias=True)
def register(request: HttpRequest, payload: RegisterIn | None = None) -> Status[dict[str, Any]]:
    """Create an anonymous account. The token in the answer is shown once: store it."""
    if sessions.has_cookies(request):
        sessions.enforce_csrf(request)
    reg = actions.do_register(
        display_name=payload.display_name if payload else None, client_ip=client_ip(request)
    )
    return Status(201, ok({
        "token": reg.token,
        "user": user_out(reg.user),
        "warning": "This token is the only way into the account and cannot be recovered.",
    }))


class LoginIn(In):
    token: str = Field(max_length=200)
    code: str | None = Field(default=None, max_length=20)


class LoginOut(CamelSchema):
    session_token: str
    user: UserOut


@router.post("/login", response={200: envelope(LoginOut), **errors(401, 403, 429)},
             by_alias=True)
def login(request: HttpRequest, payload: LoginIn) -> dict[str, Any]:
    """Exchange the access token (plus a TOTP or recovery code when 2FA is on) for a
    session token to send as `Authorization: Bearer <sessionToken>`."""
    if sessions.has_cookies(request):
        sessions.enforce_csrf(request)
    user = actions.check_login(token=payload.token, code=payload.code,
                               client_ip=client_ip(request))
    return ok({"sessionToken": sessions.create_api_session(user), "user": user_out(user)})


class OkOut(CamelSchema):
    ok: bool = True


@router.post("/logout", auth=sessions.api_auth, response=envelope(OkOut), by_alias=True)
def logout(request: HttpRequest) -> dict[str, Any]:
    """End the calling session (bearer session token or browser cookie session)."""
    user = api_caller(request)
    store = getattr(request, "api_session", None)
    if store is not None:
        store.delete()
    elif sessions.bearer_of(request) is None:
        django_logout(request)
    actions.sessions_ended(user)
    return ok({"ok": True}, "Logged out.")


@router.get("/me", auth=sessions.api_auth, response=envelope(UserOut), by_alias=True)
def me(request: HttpRequest) -> dict[str, Any]:
    return ok(user_out(api_caller(request)))


class RefundAddressIn(In):
    default_refund_address: str = Field(max_length=100, description=(
        "An address of the shop's network; \"\" removes it."))


@router.put("/me/refund-address", auth=sessions.api_auth,
            response={200: envelope(UserOut), **errors(400)}, by_alias=True)
def set_refund_address(request: HttpRequest, payload: RefundAddressIn) -> dict[str, Any]:
    """Your default refund address: prefilled when you pay (you can still give another per
    order). Encrypted at rest; deleted with the account."""
    user = actions.do_set_default_refund_address(api_caller(request),
                                                 payload.default_refund_address)
    return ok(user_out(user), "Default refund address saved.")


class TotpSetupOut(CamelSchema):
    secret: str
    otpauth_url: str
    qr_svg: str


class TotpSetupIn(In):
    restart: bool = False


@router.post("/2fa/setup", auth=sessions.api_auth, response=envelope(TotpSetupOut),
             by_alias=True)
def totp_setup(request: HttpRequest, payload: TotpSetupIn | None = None) -> dict[str, Any]:
    """Start 2FA setup: returns the secret (base32), the otpauth:// URL and an SVG QR code.
    2FA is on only after /2fa/verify confirms a code."""
    setup = actions.do_begin_totp_setup(api_caller(request),
                                        restart=bool(payload and payload.restart))
    return ok({"secret": setup.secret, "otpauthUrl": setup.otpauth_url, "qrSvg": setup.qr_svg})


class CodeIn(In):
    code: str = Field(min_length=1, max_length=20)


class RecoveryCodesOut(CamelSchema):
    recovery_codes: list[str]


@router.post("/2fa/verify", auth=sessions.api_auth,
             response={200: envelope(RecoveryCodesOut), **errors(429)},
             by_alias=True)
def totp_verify(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    """Confirm a code from the authenticator: turns 2FA on and returns 10 single-use
    recovery codes, shown this once."""
    codes = actions.do_enable_totp(api_caller(request), payload.code, client_ip=client_ip(request))
    return ok({"recoveryCodes": codes}, "Two-factor authentication is on.")


@router.post("/2fa/disable", auth=sessions.api_auth,
             response={200: envelope(OkOut), **errors(429)},
             by_alias=True)
def totp_disable(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    actions.do_disable_totp(api_caller(request), payload.code, client_ip=client_ip(request))
    return ok({"ok": True}, "Two-factor authentication is off.")


@router.post("/2fa/recovery-codes", auth=sessions.api_auth,
             response={200: envelope(RecoveryCodesOut), **errors(429)}, by_alias=True)
def totp_recovery_codes(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    codes = actions.do_regenerate_recovery_codes(api_caller(request), payload.code,
                                                 client_ip=client_ip(request))
    return ok({"recoveryCodes": codes}, "New recovery codes; the old ones no longer work.")


class RotateOut(CamelSchema):
    token: str


@router.post("/token/rotate", auth=sessions.api_auth, response=envelope(RotateOut),
             by_alias=True)
def rotate(request: HttpRequest) -> dict[str, Any]:
    """Replace the access token. The old one stops working at once; other sessions end."""
    user = api_caller(request)
    token = actions.do_rotate_token(user)
    store = getattr(request, "api_session", None)
    if store is not None:  # keep the calling API session alive under the new hash
        from django.contrib.auth import HASH_SESSION_KEY
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()
    elif sessions.bearer_of(request) is None:
        from django.contrib.auth import update_session_auth_hash
        update_session_auth_hash(request, user)
    return ok({"token": token}, "New token: store it now, it is shown once.")


class DeletionPlanOut(CamelSchema):
    removed: list[str]
    kept: list[str]
    blockers: list[str]


@router.get("/account", auth=sessions.api_auth, response=envelope(DeletionPlanOut),
            by_alias=True, summary="What deleting the account would remove or keep")
def deletion_plan(request: HttpRequest) -> dict[str, Any]:
    plan = actions.check_delete_account(api_caller(request))
    return ok({"removed": plan.removed, "kept": plan.kept, "blockers": plan.blockers})


class DeleteIn(In):
    token: str = Field(max_length=200)
    code: str | None = Field(default=None, max_length=20)


@router.post("/account/delete", auth=sessions.api_auth,
             response={200: envelope(OkOut), **errors(429)},
             by_alias=True)
def delete_account(request: HttpRequest, payload: DeleteIn) -> dict[str, Any]:
    """Delete the account. Re-enter the access token (and a 2FA code when on) to confirm."""
    actions.do_delete_account(api_caller(request), token=payload.token, code=payload.code,
                              client_ip=client_ip(request))
    return ok({"ok": True}, "Account deleted.")
