"""Operator admin for orders (and carts): read-only views. Order status changes go through
the order actions (status history, stock); shipping addresses and buyer notes are
encrypted and readable only by the buyer and the seller, so the admin never shows them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cryptoshop.cart.models import Cart, CartItem
from cryptoshop.core.admin_audit import AuditedAdminMixin, ReadOnlyInline, ViewOnlyAdminMixin
from cryptoshop.orders.models import Order, OrderEvent, OrderItem

ENCRYPTED_ORDER_FIELDS = ("shipping_address", "buyer_note")


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("title", "kind", "quantity", "unit_price_sat", "unit_price_fiat",
              "fiat_currency", "listing")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "actor_role", "actor", "note")


@admin.register(Order)
class OrderAdmin(ViewOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "store", "buyer", "status", "items_sat", "fiat_total",
                    "fiat_currency", "shipping_sat", "total_sat", "created_at")
    list_filter = ("status",)
    search_fields = ("=public_id", "store__name")
    list_select_related = ("store", "buyer")
    date_hierarchy = "created_at"
    show_full_result_count = False
    exclude = ENCRYPTED_ORDER_FIELDS
    inlines = (OrderItemInline, OrderEventInline)



class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = ("listing", "quantity", "added_at")


# Carts live in cart/, which has no admin module of its own; registered here with orders.
@admin.register(Cart)
class CartAdmin(AuditedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "user", "updated_at")
    list_select_related = ("user",)
    inlines = (CartItemInline,)
    readonly_fields = ("user", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
