"""Reviews: one per item of a completed order, shown as "verified buyer" with a month.

What is stored and why (docs/adr/0012-reviews-verified-buyer.md): the order item (a
one-to-one link, which is what makes "once per item" a database rule and lets the buyer
edit or delete their review), the listing and the store (for the lists and aggregates),
the rating, the text and the seller's answer in clear (they are published), the times, and
a moderation flag. No account column: the author is reached only through the order, and
nothing public shows the order, the account or the exact time.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from cryptoshop.catalog.models import Listing
from cryptoshop.core.ids import new_review_id
from cryptoshop.orders.models import OrderItem
from cryptoshop.stores.models import Store

MAX_TEXT = 2000
MAX_ANSWER = 1000


class Review(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=new_review_id,
                                 editable=False)
    order_item = models.OneToOneField(OrderItem, on_delete=models.CASCADE,
                                      related_name="review")
    # PROTECT: a listing or store with orders is hidden, never deleted (orders' wiring).
    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="reviews")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=MAX_TEXT, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(max_length=MAX_ANSWER, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Staff took it out of view (a report): not shown, not counted; kept for the record.
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["listing", "hidden", "-created_at"], name="review_listing_new"),
            models.Index(fields=["store", "hidden", "-created_at"], name="review_store_new"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                   name="reviews_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.rating}★"

    @property
    def month(self) -> str:
        """What the public sees of when: "March 2026"."""
        return self.created_at.strftime("%B %Y")
