"""A store's webhook endpoints, the deliveries queued for them, and each attempt.

A Delivery is one event for one endpoint: its body is fixed when the event happens (so
every retry sends the same bytes, and a receiver can de-duplicate by the event id), and it
is retried with backoff until it gets a 2xx or its 24 hours run out (delivery.py). A
redelivery is a new Delivery with the same event and a fresh window."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.stores.models import Store


def new_webhook_id() -> str:
    return f"wh_{secrets.token_hex(8)}"


def new_delivery_id() -> str:
    return f"whd_{secrets.token_hex(8)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=new_webhook_id,
                                 editable=False)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=500)
    events = models.JSONField(default=list)  # event types, e.g. ["invoice.settled"]
    enabled = models.BooleanField(default=True)
    # The HMAC key the receiver shares: AES-256-GCM at rest, like the other secrets.
    secret = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.public_id


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    public_id = models.CharField(max_length=24, unique=True, default=new_delivery_id,
                                 editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=32)
    event_type = models.CharField(max_length=32)
    body = models.TextField()  # the exact JSON sent, byte for byte, on every attempt
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When it may be tried next; a process that takes it moves this ahead (a lease), so
    # two processes never send the same attempt.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="whd_due"),
                   models.Index(fields=["webhook", "-created_at"], name="whd_webhook_new")]


class Attempt(models.Model):
    """One HTTP POST of a delivery: what came back (or why nothing did) and how long."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["number"]

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
