"""Operator admin for escrows: read-only. Escrow decisions go through the escrow page
(the arbiter's form) so they are checked, signed for and recorded; the marketplace key's
ciphertext is never shown."""

from __future__ import annotations

from django.contrib import admin

from cryptoshop.core.admin_audit import AuditedAdminMixin, ReadOnlyInline, ViewOnlyAdminMixin
from cryptoshop.escrow.models import Escrow, EscrowEvent, EscrowKey, Spend


class SpendInline(ReadOnlyInline):
    model = Spend
    fields = ("created_at", "kind", "signer", "status", "fee_rate_sat_vb", "txid",
              "confirmed_height")


class EscrowEventInline(ReadOnlyInline):
    model = EscrowEvent
    fields = ("created_at", "kind", "actor", "detail", "txid")


@admin.register(Escrow)
class EscrowAdmin(ViewOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "order", "status", "funded_sat", "index", "created_at",
                    "closed_at")
    list_filter = ("status",)
    search_fields = ("=public_id", "=address", "order__public_id")
    list_select_related = ("order",)
    show_full_result_count = False
    inlines = (SpendInline, EscrowEventInline)


@admin.register(EscrowKey)
class EscrowKeyAdmin(ViewOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "kind", "network", "created_at")
    list_filter = ("kind", "network")
    exclude = ("backup",)
