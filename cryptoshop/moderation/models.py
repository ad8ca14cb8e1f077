"""Trust and safety: listing reports, and an append-only audit log of privileged actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cryptoshop.catalog.models import Listing


class Report(models.Model):
    class Reason(models.TextChoices):
        PROHIBITED = "prohibited", "Prohibited item"
        SCAM = "scam", "Scam or fraud"
        COUNTERFEIT = "counterfeit", "Counterfeit"
        WRONG_CATEGORY = "wrong_category", "Wrong category"
        OFFENSIVE = "offensive", "Offensive content"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    class Subject(models.TextChoices):
        LISTING = "listing", "Listing"
        REVIEW = "review", "Review"
        MESSAGE = "message", "Message"

    # What is reported: a listing (the `listing` column) or another kind of object named by
    # its public id (reviews, messages: their apps sit below this one, see ADR 10).
    subject_type = models.CharField(max_length=12, choices=Subject.choices,
                                    default=Subject.LISTING, db_index=True)
    subject_id = models.CharField(max_length=40, blank=True)
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="reports")
    # Not who reported: a keyed hash of (account, listing) from a signed-in reporter, kept
    # only while the report is open so one account can't report one listing twice. It can't
    # be joined to the accounts table; anonymous reports and resolved ones keep "".
    duplicate_key = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    text = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"report on {self.subject_type} {self.subject_id or self.listing_id}: {self.reason}"


class AuditEntry(models.Model):
    """Who did what, when and why. Written only by moderation.actions.audit(); the admin
    shows it read-only, and nothing in the code updates or deletes a row.

    The rows form a hash chain (moderation/chain.py, docs/adr/0011-audit-log-hash-chain.md):
    each carries the hash of the one before, so an edited, deleted or inserted row shows up
    in `manage.py check_audit_log`."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=64)  # kept when the account is deleted
    action = models.CharField(max_length=40, db_index=True)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=40)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # SHA-256 hex of the entry before (the genesis value for the first) and of this one.
    # Unique: two entries can never follow the same one, so the chain can't fork.
    prev_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_id}"


class AuditChainHead(models.Model):
    """One row (pk 1): the last entry of the audit chain. Appending locks it (select for
    update), so concurrent writers queue; and it shows when entries at the end were
    deleted, or some appended without going through audit()."""

    last_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head #{self.last_id}"
