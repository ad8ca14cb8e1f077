"""Operator admin for moderation: reports (acted on through moderation.actions) and the
audit log, which nobody can add to, edit or delete from here — superusers included."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cryptoshop.moderation import actions as moderation
from cryptoshop.moderation.admin_audit import ViewOnlyAdminMixin, reason_action
from cryptoshop.moderation.models import AuditEntry, Report


def _dismiss(staff: Any, report: Report, reason: str) -> object:
    return moderation.do_act_on_report(staff, report, "dismiss", reason)


def _block(staff: Any, report: Report, reason: str) -> object:
    return moderation.do_act_on_report(staff, report, "block_listing", reason)


@admin.register(Report)
class ReportAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Reports are evidence: made by visitors, resolved through the actions below or the
    # queue at /moderation/queue/, never edited or deleted.
    list_display = ("created_at", "listing", "reason", "status", "reporter", "resolved_by",
                    "resolved_at")
    list_filter = ("status", "reason")
    search_fields = ("listing__title", "=listing__public_id", "text")
    list_select_related = ("listing", "reporter", "resolved_by")
    date_hierarchy = "created_at"
    fields = ("listing", "reason", "text", "reporter", "created_at", "status", "resolved_by",
              "resolved_at", "resolution")
    actions = (
        reason_action("dismiss_reports", "Dismiss selected reports", _dismiss),
        reason_action("block_reported_listings", "Block the reported listings", _block),
    )

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "actor_label", "action", "target_type", "target_id",
                    "reason")
    list_filter = ("action", "target_type")
    search_fields = ("=target_id", "actor_label", "reason")
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "actor_label", "action", "target_type", "target_id",
              "reason", "data")
    list_select_related = ("actor",)

