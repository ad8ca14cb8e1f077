"""Listings ("products" in the API), categories, images, specifications. Reviews live in
the reviews app, which keeps rating_avg and rating_count up to date."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.core.ids import new_listing_id
from cryptoshop.stores.models import Store

FIAT_CURRENCIES = [("USD", "USD"), ("EUR", "EUR"), ("GBP", "GBP"), ("CHF", "CHF"),
                   ("CAD", "CAD"), ("AUD", "AUD"), ("JPY", "JPY")]


class Category(models.Model):
    """An operator-managed tree. A prohibited category accepts no listings."""

    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    description = models.CharField(max_length=300, blank=True)
    prohibited = models.BooleanField(default=False, help_text="Listings can't be placed here.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    def __str__(self) -> str:
        return self.name


class Listing(models.Model):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", "Physical goods"
        DIGITAL = "digital", "Digital goods"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        HIDDEN = "hidden", "Hidden"

    class PriceMode(models.TextChoices):
        SAT = "sat", "Satoshis"
        FIAT = "fiat", "Fiat currency"

    public_id = models.CharField(max_length=24, unique=True, default=new_listing_id,
                                 editable=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    description = models.TextField(max_length=20000, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    tags = models.ManyToManyField(Tag, blank=True, related_name="listings")
    price_mode = models.CharField(max_length=4, choices=PriceMode.choices, default=PriceMode.SAT)
    price_sat = models.BigIntegerField(null=True, blank=True)
    price_fiat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fiat_currency = models.CharField(max_length=3, choices=FIAT_CURRENCIES, blank=True)
    # The price in sats now, what lists sort by and price filters compare: price_sat, or for
    # fiat listings the conversion at the current rate, kept up to date as rates move (null
    # while there is no rate: such listings sort last). See catalog/pricing.py.
    sort_price_sat = models.BigIntegerField(null=True, blank=True, db_index=True)
    stock = models.PositiveIntegerField(null=True, blank=True,
                                        help_text="Empty means unlimited.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PHYSICAL)
    # Delivered on the buyer's order page after payment; encrypted at rest.
    digital_text = EncryptedTextField(blank=True, default="")
    digital_file = models.CharField(max_length=200, blank=True)  # encrypted blob in media/
    digital_file_name = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    # Staff moderation, separate from the seller's own status so a seller can't undo it.
    blocked = models.BooleanField(default=False, db_index=True)
    blocked_reason = models.CharField(max_length=500, blank=True)
    # Whether the public sees it: active, not blocked, in an active store, in an allowed
    # category. Denormalised so the browse pages read their first page straight off an
    # index (ADR 15); kept true by catalog.visibility, which every write path calls.
    visible = models.BooleanField(default=False, editable=False)
    featured = models.BooleanField(default=False)
    sold_count = models.PositiveIntegerField(default=0)
    # The visible reviews' average (two decimals, 0 with none) and count: recomputed from
    # the review rows by reviews.actions in the transaction that changes one.
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(default=0)
    # Title, tags, category and description as plain text: what full-text search indexes.
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Browse pages read the first page of each ordering straight off one of these
            # (visible listings: newest first, by price, best-selling, per category or store).
            models.Index(fields=["visible", "-created_at", "-id"], name="listing_visible_new"),
            models.Index(fields=["visible", "category", "-created_at", "-id"],
                         name="listing_visible_cat"),
            models.Index(fields=["visible", "store", "-created_at", "-id"],
                         name="listing_visible_store"),
            models.Index(fields=["visible", "sort_price_sat", "-created_at"],
                         name="listing_visible_price"),
            # Dearest first (unpriced last) has its own index, made per database by migration
            # 0003 (PostgreSQL needs NULLS LAST in it, SQLite can't parse that).
            models.Index(fields=["visible", "-sold_count", "-created_at"],
                         name="listing_visible_bestselling"),
            # The seller's own listings by status.
            models.Index(fields=["store", "status", "-created_at"], name="listing_store_new"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(price_mode="sat", price_sat__gt=0)
                           | models.Q(price_mode="fiat", price_fiat__gt=0)),
                name="listing_has_positive_price",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def price_sat_estimate(self) -> int | None:
        """The price in sats now: price_sat, or a fiat price at the current rate (None
        while there is no rate). Maintained by catalog/pricing.py."""
        return self.sort_price_sat

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.ACTIVE and not self.blocked


class ListingImage(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    path = models.CharField(max_length=200)  # re-encoded full image, relative to MEDIA_ROOT
    thumb_path = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Specification(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="specifications")
    key = models.CharField(max_length=60)
    value = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
