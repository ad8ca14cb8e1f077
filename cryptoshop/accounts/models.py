"""Anonymous accounts: no email, phone or name — a random access token is the credential."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cryptoshop.core.fields import EncryptedTextField


def new_public_id() -> str:
    # Shown in URLs and the API instead of the sequential primary key, which would leak
    # how many accounts exist and in which order they were made.
    return "u_" + secrets.token_hex(8)


class UserManager(BaseUserManager["User"]):
    def create_user(self, token_hash: str, **extra: Any) -> User:
        user = self.model(token_hash=token_hash, **extra)
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, token_hash: str, **extra: Any) -> User:  # pragma: no cover
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(token_hash, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # NULL, not "", when unset: the case-insensitive unique constraint must allow many
    # accounts without a name.
    display_name = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True, help_text="Unticking bans the account.")
    date_joined = models.DateTimeField(default=timezone.now)
    token_rotated_at = models.DateTimeField(null=True, blank=True)

    # TOTP: the secret is encrypted at rest; while totp_enabled is False it is a pending
    # secret from an unfinished setup. totp_last_step blocks replay of a used code.
    totp_secret = EncryptedTextField(blank=True, default="", editable=False)
    totp_enabled = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)
    # Where refunds go unless the buyer says otherwise for an order: prefills the refund
    # address when paying. Encrypted at rest (it links the account to a wallet); removed
    # with the account row.
    default_refund_address = EncryptedTextField(blank=True, default="")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "public_id"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("display_name"), name="accounts_user_display_name_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.public_id

    @property
    def label(self) -> str:
        return self.display_name or f"Anonymous {self.public_id[-6:]}"

    @property
    def acts_as_staff(self) -> bool:
        """Staff powers (seeing hidden listings and inactive stores, moderating, arbitrating)
        need two-factor authentication on, as the admin does."""
        return bool(self.is_active and self.is_staff and self.totp_enabled)

    def get_short_name(self) -> str:  # the admin's "Welcome, …"
        return self.label

    def get_full_name(self) -> str:
        return self.label

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Sessions are bound to the current token: rotating it ends every other session.
        return salted_hmac(
            "cryptoshop.accounts.session", self.token_hash, secret=secret, algorithm="sha256"
        ).hexdigest()


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"recovery code of {self.user_id} ({'used' if self.used_at else 'unused'})"
