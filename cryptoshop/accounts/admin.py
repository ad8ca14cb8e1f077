"""Operator admin for accounts' recovery codes (view only). Accounts themselves are in the
moderation app's admin, with the audited ban/unban actions."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cryptoshop.accounts.models import RecoveryCode


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "used_at", "created_at")
    readonly_fields = ("user", "code_hash", "used_at", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
