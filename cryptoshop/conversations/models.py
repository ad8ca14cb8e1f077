"""Conversations: one thread per order (its buyer and the store; the arbiter joins while a
dispute is open) and question threads (a buyer asking a store about a listing, no order).

Message text is encrypted at rest (EncryptedTextField, like shipping addresses); photos go
through core/images.py and are served only to the thread's parties."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.catalog.models import Listing
from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.orders.models import Order
from cryptoshop.stores.models import Store


def new_thread_id() -> str:
    return "t_" + secrets.token_hex(8)


def new_message_id() -> str:
    return "m_" + secrets.token_hex(8)


class Thread(models.Model):
    class Kind(models.TextChoices):
        ORDER = "order", "Order"
        QUESTION = "question", "Question about a listing"

    public_id = models.CharField(max_length=24, unique=True, default=new_thread_id,
                                 editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="threads")
    # The buyer, or the asker of a question; kept empty when the account is deleted.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="threads")
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="thread")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="threads")
    # Copied when the thread is made, so a question keeps its subject if the listing goes.
    subject = models.CharField(max_length=120, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Each side's "read up to": messages from the other side after it are unread.
    buyer_read_at = models.DateTimeField(default=timezone.now)
    seller_read_at = models.DateTimeField(default=timezone.now)
    # Set by the seller on a question thread: the asker can't write any more.
    blocked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "listing"],
                                    condition=models.Q(kind="question"),
                                    name="thread_one_question_per_listing"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Message(models.Model):
    class Role(models.TextChoices):
        BUYER = "buyer", "Buyer"
        SELLER = "seller", "Seller"
        ARBITER = "arbiter", "Arbiter"
        SYSTEM = "system", "System"

    public_id = models.CharField(max_length=24, unique=True, default=new_message_id,
                                 editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author_role = models.CharField(max_length=8, choices=Role.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    body = EncryptedTextField(blank=True)
    attachment = models.CharField(max_length=200, blank=True)  # media path of the photo
    created_at = models.DateTimeField(default=timezone.now)
    hidden = models.BooleanField(default=False)  # by moderation
    purged = models.BooleanField(default=False)  # text and photo erased on schedule

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="message_thread_time")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def thumb(self) -> str:
        return self.attachment.replace(".webp", "-thumb.webp") if self.attachment else ""
