"""A cart that works without an account and without JavaScript: an anonymous cart's id
lives in the (server-side) session; once logged in the cart belongs to the account, and
the session's cart is merged into it on login."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.catalog.models import Listing


class Cart(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="cart")
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"cart {self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "listing"], name="cartitem_unique_listing"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cartitem_qty_pos"),
        ]
