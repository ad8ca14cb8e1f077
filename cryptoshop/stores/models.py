"""Stores ("sellers" in the API): one per account; opening one makes the account a seller."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.core.ids import new_store_id


def empty_distribution() -> list[int]:
    """How many visible reviews gave 1, 2, 3, 4 and 5 stars."""
    return [0, 0, 0, 0, 0]


class Store(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    public_id = models.CharField(max_length=24, unique=True, default=new_store_id, editable=False)
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="store")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True, max_length=5000)
    policies = models.TextField(blank=True, max_length=5000)
    logo = models.CharField(max_length=200, blank=True)  # media path of the re-encoded image
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    suspended_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The store's visible reviews: average, count and [1★, 2★, 3★, 4★, 5★] counts,
    # recomputed from the rows by reviews.actions in the transaction that changes one.
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(default=0)
    rating_distribution = models.JSONField(default=empty_distribution)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ShippingOption(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="shipping_options")
    name = models.CharField(max_length=60)
    regions = models.CharField(max_length=200, help_text="Where this option ships to.")
    cost_sat = models.BigIntegerField(default=0)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_sat__gte=0),
                                   name="shippingoption_cost_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.regions})"


class StoreApiKey(models.Model):
    """A credential for automating one store, limited to scopes (stores/api_keys.py). Only
    a SHA-256 of the secret is kept: the secret is 256 random bits, so a fast hash is
    enough (nothing to brute-force), and the lookup stays one indexed query. The prefix
    (the secret's first characters) is kept in clear so the seller can tell keys apart."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
