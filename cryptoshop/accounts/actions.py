"""Account actions shared by the HTML views and the JSON API (check_* validate, do_* act)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cryptoshop.accounts import credentials, totp
from cryptoshop.accounts.deletion import DeletionPlan, plan_for, run_cleanups
from cryptoshop.accounts.models import RecoveryCode, User
from cryptoshop.accounts.registry import SESSIONS_ENDED
from cryptoshop.btc.addresses import normalize_address
from cryptoshop.btc.errors import BitcoinError
from cryptoshop.chain import configured
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import (
    ActionError,
    Conflict,
    NotAuthenticated,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

DISPLAY_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,30}[A-Za-z0-9]$")
NAME_RULES = ("3–32 characters: letters, digits, '.', '_' or '-' (no spaces), starting and "
              "ending with a letter or digit.")
RESERVED_NAMES = {"admin", "administrator", "staff", "support", "moderator", "operator",
                  "cryptoshop", "system", "root", "anonymous", "seller", "buyer", "escrow"}


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"

    def __init__(self, message: str = "That token or code is not valid."):
        super().__init__(message)


class SecondFactorRequired(NotAuthenticated):
    code = "totp_required"

    def __init__(self) -> None:
        super().__init__("Enter the 6-digit code from your authenticator app (or a recovery code).")


class AccountSuspended(NotAuthenticated):
    code = "account_suspended"

    def __init__(self) -> None:
        super().__init__("This account is suspended.")


def _limited(scope: str, ident: str, *, count: bool = True) -> None:
    if count:
        ratelimit.hit(scope, ident)
    else:
        ratelimit.check(scope, ident)


# --- display names ----------------------------------------------------------------------------

def check_display_name(
    name: str | None, *, exclude: User | None = None, allow_reserved: bool = False
) -> str | None:
    """Validate an optional display name; returns the cleaned value (None when empty)."""
    if name is None:
        return None
    name = name.strip()
    if not name:
        return None
    if not DISPLAY_NAME_RE.match(name):
        raise ValidationFailed(
            {"displayName": [NAME_RULES]}
        )
    if name.lower() in RESERVED_NAMES and not allow_reserved:
        raise ValidationFailed({"displayName": ["That name is reserved."]})
    taken = User.objects.filter(display_name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationFailed({"displayName": ["That name is taken."]})
    return name


def do_set_display_name(user: User, name: str | None) -> User:
    user.display_name = check_display_name(name, exclude=user)
    try:
        user.save(update_fields=["display_name"])
    except IntegrityError as exc:  # lost a race with another account taking the same name
        raise ValidationFailed({"displayName": ["That name is taken."]}) from exc
    return user


# --- default refund address ----------------------------------------------------------------

def check_default_refund_address(address: str) -> str:
    """An address of the shop's network, normalised; "" clears it."""
    address = address.strip()
    if not address:
        return ""
    network = configured.network()
    try:
        return normalize_address(address, network)
    except BitcoinError as exc:
        raise ValidationFailed({"defaultRefundAddress": [
            f"Not a valid {network} address: {exc}"]}, f"Not a valid {network} address.") from exc


def do_set_default_refund_address(user: User, address: str) -> User:
    user.default_refund_address = check_default_refund_address(address)
    user.save(update_fields=["default_refund_address"])
    return user


# --- register, login --------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    user: User
    token: str  # shown once, never stored


def do_register(*, display_name: str | None, client_ip: str) -> Registration:
    name = check_display_name(display_name)
    _limited("register:ip", client_ip)
    token = credentials.new_access_token()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                token_hash=credentials.token_hash(token), display_name=name
            )
    except IntegrityError as exc:
        raise ValidationFailed({"displayName": ["That name is taken."]}) from exc
    logger.info("account registered id=%s", user.public_id)
    return Registration(user=user, token=token)


def user_for_token(raw_token: str) -> User | None:
    token = credentials.normalise_token(raw_token)
    if token is None:
        return None
    return User.objects.filter(token_hash=credentials.token_hash(token)).first()


def check_login(*, token: str, code: str | None, client_ip: str) -> User:
    """Authenticate a token (and a second factor when 2FA is on).

    Every attempt counts against the client's address; wrong second factors also count
    against the account, so an attacker who has a token can't grind through codes.
    """
    _limited("login:ip", client_ip)
    user = user_for_token(token)
    if user is None:
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountSuspended()
    if user.totp_enabled:
        if not code or not code.strip():
            raise SecondFactorRequired()
        check_second_factor(user, code, client_ip=client_ip)
    return user


def check_second_factor(user: User, code: str, *, client_ip: str) -> None:
    """Accept a fresh TOTP code or an unused recovery code; refuse replays and guessing."""
    _limited("totp:account", str(user.pk), count=False)
    _limited("totp:ip", client_ip, count=False)
    if _use_totp_code(user, code) or _use_recovery_code(user, code):
        return
    _limited("totp:account", str(user.pk))
    _limited("totp:ip", client_ip)
    raise InvalidCredentials("That code is not valid (or was already used).")


def _use_totp_code(user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    step = totp.matching_step(user.totp_secret, code)
    if step is None:
        return False
    # One atomic conditional UPDATE: of two requests racing with the same code, one wins.
    won = User.objects.filter(
        Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step), pk=user.pk
    ).update(totp_last_step=step)
    if won:
        user.totp_last_step = step
    return bool(won)


def _use_recovery_code(user: User, raw: str) -> bool:
    code = credentials.normalise_recovery_code(raw)
    if code is None:
        return False
    code_hash = credentials.recovery_code_hash(user.pk, code)
    used = RecoveryCode.objects.filter(
        user=user, code_hash=code_hash, used_at__isnull=True
    ).update(used_at=timezone.now())
    if used:
        logger.info("recovery code used id=%s", user.public_id)
    return bool(used)


# --- token rotation, deletion -----------------------------------------------------------------

def do_rotate_token(user: User) -> str:
    """Replace the access token; the old one stops working at once and other sessions end."""
    token = credentials.new_access_token()
    user.token_hash = credentials.token_hash(token)
    user.token_rotated_at = timezone.now()
    user.save(update_fields=["token_hash", "token_rotated_at"])
    logger.info("token rotated id=%s", user.public_id)
    sessions_ended(user)
    return token


def check_delete_account(user: User) -> DeletionPlan:
    return plan_for(user)


def do_delete_account(user: User, *, token: str, code: str | None, client_ip: str) -> None:
    """Delete after re-authentication: a stolen session alone must not be able to do this."""
    _limited("login:ip", client_ip)
    match = user_for_token(token)
    if match is None or match.pk != user.pk:
        raise InvalidCredentials("That is not this account's current access token.")
    if user.totp_enabled:
        if not code:
            raise SecondFactorRequired()
        check_second_factor(user, code, client_ip=client_ip)
    plan = check_delete_account(user)
    if plan.blockers:
        raise Conflict("This account can't be deleted yet: " + "; ".join(plan.blockers))
    public_id = user.public_id
    with transaction.atomic():
        end_sessions_of(user)
        run_cleanups(user)
        user.delete()
    logger.info("account deleted id=%s", public_id)


def end_sessions_of(user: User) -> None:
    """Log the account out everywhere: browser sessions and API session tokens."""
    # Database sessions store the user id inside the encoded blob, so scan the live ones;
    # deletion is rare and sessions expire, so this stays small.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    sessions_ended(user)


def sessions_ended(user: User) -> None:
    """Call after ending some of the user's sessions (logout too): whatever they still hold
    open elsewhere — live sockets — is re-checked and closed (accounts/registry.py)."""
    for listener in SESSIONS_ENDED:
        try:
            listener(user)
        except Exception:  # logging out must not fail because a listener did
            logger.exception("sessions-ended listener failed")


# --- two-factor -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_url: str
    qr_svg: str


def setup_details(user: User) -> TotpSetup:
    url = totp.otpauth_url(user.totp_secret, user.label, settings.SITE_NAME)
    return TotpSetup(secret=user.totp_secret, otpauth_url=url, qr_svg=totp.qr_svg(url))


def do_begin_totp_setup(user: User, *, restart: bool = False) -> TotpSetup:
    """Create (or keep) a pending secret; 2FA is on only after a code confirms it."""
    if user.totp_enabled:
        raise Conflict("Two-factor authentication is already on.")
    if restart or not user.totp_secret:
        user.totp_secret = totp.new_secret()
        user.totp_last_step = None
        user.save(update_fields=["totp_secret", "totp_last_step"])
    return setup_details(user)


def do_enable_totp(user: User, code: str, *, client_ip: str) -> list[str]:
    if user.totp_enabled:
        raise Conflict("Two-factor authentication is already on.")
    if not user.totp_secret:
        raise ActionError("Start the setup first.", code="setup_not_started")
    _limited("totp:account", str(user.pk), count=False)
    if not _use_totp_code(user, code):
        _limited("totp:account", str(user.pk))
        _limited("totp:ip", client_ip)
        raise ValidationFailed({"code": ["That code is not valid. Check your phone's clock."]})
    with transaction.atomic():
        user.totp_enabled = True
        user.save(update_fields=["totp_enabled"])
        codes = _replace_recovery_codes(user)
    logger.info("2fa enabled id=%s", user.public_id)
    return codes


def do_disable_totp(user: User, code: str, *, client_ip: str) -> None:
    if not user.totp_enabled:
        raise Conflict("Two-factor authentication is not on.")
    if user.is_staff:
        raise ActionError("Staff accounts must keep two-factor authentication on.",
                          code="staff_requires_2fa")
    check_second_factor(user, code, client_ip=client_ip)
    with transaction.atomic():
        user.totp_enabled = False
        user.totp_secret = ""
        user.totp_last_step = None
        user.save(update_fields=["totp_enabled", "totp_secret", "totp_last_step"])
        user.recovery_codes.all().delete()
    logger.info("2fa disabled id=%s", user.public_id)


def do_regenerate_recovery_codes(user: User, code: str, *, client_ip: str) -> list[str]:
    if not user.totp_enabled:
        raise Conflict("Two-factor authentication is not on.")
    check_second_factor(user, code, client_ip=client_ip)
    with transaction.atomic():
        return _replace_recovery_codes(user)


def _replace_recovery_codes(user: User) -> list[str]:
    user.recovery_codes.all().delete()
    codes = credentials.new_recovery_codes()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=credentials.recovery_code_hash(user.pk, c))
        for c in codes
    )
    return codes


def unused_recovery_codes(user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()


# --- operator accounts ------------------------------------------------------------------------

def do_create_operator(*, display_name: str | None) -> Registration:
    """Staff accounts are made from the command line (manage.py create_operator); they may
    use the names reserved so nobody else can pose as staff."""
    name = check_display_name(display_name, allow_reserved=True)
    token = credentials.new_access_token()
    user = User.objects.create_user(
        token_hash=credentials.token_hash(token), display_name=name,
        is_staff=True, is_superuser=True,
    )
    return Registration(user=user, token=token)
