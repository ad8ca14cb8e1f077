from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryptoshop.accounts.models import RecoveryCode, User
from cryptoshop.moderation import actions as moderation
from cryptoshop.moderation.admin_audit import AuditedAdminMixin, reason_action


def _ban(staff: Any, user: User, reason: str) -> object:
    return moderation.do_ban_account(staff, user, reason)


def _unban(staff: Any, user: User, reason: str) -> object:
    return moderation.do_unban_account(staff, user, reason)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "display_name", "is_active", "is_staff", "totp_enabled",
                    "date_joined")
    list_filter = ("is_active", "is_staff", "totp_enabled")
    search_fields = ("public_id", "display_name")
    # is_active changes only through the ban/unban actions: they end the account's
    # sessions, suspend its store and write the audit log.
    readonly_fields = ("public_id", "is_active", "date_joined", "last_login",
                       "token_rotated_at", "totp_enabled")
    fields = ("public_id", "display_name", "is_active", "is_staff", "is_superuser",
              "groups", "date_joined", "last_login", "token_rotated_at", "totp_enabled")
    actions = (
        reason_action("ban_accounts", "Ban selected accounts", _ban),
        reason_action("unban_accounts", "Unban selected accounts", _unban),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts are created by registering (or manage.py create_operator), which is the
        # only place a token is generated and shown.
        return False


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "used_at", "created_at")
    readonly_fields = ("user", "code_hash", "used_at", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
