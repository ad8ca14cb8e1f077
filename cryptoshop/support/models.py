"""Support tickets: any account writes to the operator (category, subject, optional order it
is a party of); staff answer, set status, priority and assignee.

Message text is encrypted at rest (EncryptedTextField, like shipping addresses) and erased
ORDER_PURGE_DAYS after the ticket is resolved. Internal notes are staff-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.core.ids import new_ticket_id, new_ticket_message_id
from cryptoshop.orders.models import Order


class Ticket(models.Model):
    class Category(models.TextChoices):
        ORDER = "order", "Problem with an order"
        PAYMENT = "payment", "Payment"
        ESCROW = "escrow", "Escrow or dispute"
        ACCOUNT = "account", "My account"
        ABUSE = "abuse", "Report abuse"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WAITING = "waiting", "Waiting on the user"  # staff answered
        RESOLVED = "resolved", "Resolved"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    public_id = models.CharField(max_length=24, unique=True, default=new_ticket_id,
                                 editable=False)
    # Kept empty when the account is deleted (the staff side keeps the history).
    opener = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="tickets")
    category = models.CharField(max_length=10, choices=Category.choices)
    # User text, so encrypted like the messages (length checked in actions.check_subject).
    subject = EncryptedTextField()
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="tickets")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=8, choices=Priority.choices,
                                default=Priority.NORMAL)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_tickets")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the user last wrote while it waited on staff: the queue works oldest-waiting first.
    waiting_since = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Each side's "read up to": messages from the other side after it are unread.
    user_read_at = models.DateTimeField(default=timezone.now)
    staff_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [models.Index(fields=["status", "waiting_since"], name="ticket_queue"),
                   models.Index(fields=["opener", "-last_activity_at"], name="ticket_opener")]

    def __str__(self) -> str:
        return self.public_id


class TicketMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user", "You"
        STAFF = "staff", "Support"

    public_id = models.CharField(max_length=24, unique=True, default=new_ticket_message_id,
                                 editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_role = models.CharField(max_length=6, choices=Role.choices)
    body = EncryptedTextField(blank=True)
    # A staff note: never shown to the user, in the page, the API or a live event.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    purged = models.BooleanField(default=False)  # text erased on schedule

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketmsg_time")]

    def __str__(self) -> str:
        return self.public_id
