"""Orders: one per store per checkout, with item snapshots and a status history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.catalog.models import Listing
from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.core.ids import new_order_id
from cryptoshop.stores.models import Store


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"

    public_id = models.CharField(max_length=24, unique=True, default=new_order_id, editable=False)
    # SET_NULL: a buyer may delete their account once no order is in progress; the
    # seller keeps the finished order's record without knowing who it was.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="orders")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices,
                              default=Status.PENDING_PAYMENT, db_index=True)
    # Sat amounts known at checkout. Fiat-priced items are fixed in sats by the payments
    # layer when the invoice is created (from a rate snapshot); until then total_sat is
    # null and fiat_total holds their sum.
    items_sat = models.BigIntegerField(default=0)
    fiat_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    fiat_currency = models.CharField(max_length=3, blank=True)
    shipping_name = models.CharField(max_length=60, blank=True)
    shipping_sat = models.BigIntegerField(default=0)
    total_sat = models.BigIntegerField(null=True, blank=True)
    # Free-text address for physical goods: AES-256-GCM at rest, shown only to the buyer
    # and the store's seller.
    shipping_address = EncryptedTextField(blank=True, default="")
    buyer_note = EncryptedTextField(blank=True, default="")
    ship_note = models.CharField(max_length=500, blank=True)
    # Stock is held for the order until this time; unpaid after it, the order expires.
    reserved_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_new"),
            models.Index(fields=["store", "status", "-created_at"], name="order_store_status"),
            models.Index(fields=["status", "reserved_until"], name="order_reservation"),
            # The analytics refresh counts orders created since its last run.
            models.Index(fields=["created_at"], name="order_created_at"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def needs_shipping(self) -> bool:
        return bool(self.shipping_name)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Listing.Kind.choices)
    quantity = models.PositiveIntegerField()
    unit_price_sat = models.BigIntegerField(null=True, blank=True)
    unit_price_fiat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fiat_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def line_sat(self) -> int | None:
        return None if self.unit_price_sat is None else self.unit_price_sat * self.quantity


class OrderEvent(models.Model):
    """Every status change: when, from what, to what, by whom, and why."""

    class Actor(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor_role = models.CharField(max_length=8, choices=Actor.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def to_label(self) -> str:
        """The status it moved to, as people read it ("Shipped")."""
        labels = dict(Order.Status.choices)
        return str(labels.get(self.to_status, self.to_status))
