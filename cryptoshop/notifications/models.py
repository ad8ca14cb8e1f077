"""In-app notices to one account, in the brief's shape: a type, a title, a message, a
severity, a link and a time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """One notice (e.g. to a seller: an order was paid; to a buyer: it shipped)."""

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        SUCCESS = "success", "Success"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    # A machine name such as "order_shipped" (notifications/kinds.py lists them).
    kind = models.CharField(max_length=40, default="notice")
    title = models.CharField(max_length=120, blank=True)
    # The message; the column keeps its old name so existing rows need no copy.
    text = models.CharField(max_length=300)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.INFO)
    url = models.CharField(max_length=200, blank=True)
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The table moved here from the payments app; keeping its name avoids copying rows.
        db_table = "payments_notification"
        indexes = [models.Index(fields=["user", "read"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id}: {self.title or self.text[:40]}"
