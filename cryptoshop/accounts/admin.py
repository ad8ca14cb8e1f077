from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cryptoshop.accounts.models import RecoveryCode, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "display_name", "is_active", "is_staff", "totp_enabled",
                    "date_joined")
    list_filter = ("is_active", "is_staff", "totp_enabled")
    search_fields = ("public_id", "display_name")
    readonly_fields = ("public_id", "date_joined", "last_login", "token_rotated_at",
                       "totp_enabled")
    fields = ("public_id", "display_name", "is_active", "is_staff", "is_superuser",
              "groups", "date_joined", "last_login", "token_rotated_at", "totp_enabled")

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
