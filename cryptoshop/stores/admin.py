"""Operator admin for stores: view, edit the public texts, suspend/unsuspend (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from cryptoshop.moderation import actions as moderation
from cryptoshop.moderation.admin_audit import AuditedAdminMixin, ReadOnlyInline, reason_action
from cryptoshop.stores.models import ShippingOption, Store


class ShippingOptionInline(ReadOnlyInline):
    model = ShippingOption
    fields = ("position", "name", "regions", "cost_sat", "active")
    readonly_fields = fields


@admin.register(Store)
class StoreAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "public_id", "owner", "status", "listing_count",
                    "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug", "=public_id")
    list_select_related = ("owner",)
    fields = ("public_id", "name", "slug", "owner", "status", "suspended_reason",
              "description", "policies", "logo", "created_at", "updated_at")
    # Staff may correct the public texts (audited); status only through the actions.
    readonly_fields = ("public_id", "slug", "owner", "status", "suspended_reason", "logo",
                       "created_at", "updated_at")
    inlines = (ShippingOptionInline,)
    actions = (
        reason_action("suspend_stores", "Suspend selected stores", moderation.do_suspend_store),
        reason_action("unsuspend_stores", "Lift the suspension of selected stores",
                      moderation.do_unsuspend_store),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Store]:
        qs: QuerySet[Store] = super().get_queryset(request)
        return qs.annotate(n_listings=Count("listings"))

    @admin.display(description="listings", ordering="n_listings")
    def listing_count(self, obj: Any) -> int:
        return int(obj.n_listings)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an account opens its own store

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # suspend instead: orders keep pointing at the store
