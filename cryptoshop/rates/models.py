"""Stored quotes (the cache the refresh job fills) and rate snapshots (invoice receipts)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class RateQuote(models.Model):
    """The latest price of 1 BTC from one source in one currency (one row per pair)."""

    source = models.CharField(max_length=32)
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=8)
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "currency"], name="rates_quote_source_cur")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.rate} {self.currency}/BTC at {self.fetched_at:%Y-%m-%d %H:%M}"


class RateSnapshot(models.Model):
    """The receipt of a rate used to price something: value, method, sources, time.

    Written once and never changed. ``sources`` is a list of
    ``{"source", "rate" (decimal string), "fetchedAt" (ISO 8601)}``; for a fixed operator
    rate it is one entry with source ``"fixed"`` and ``method`` is ``"fixed"``.
    ``excluded`` lists the quotes seen but not used, with the reason (stale, outlier).
    """

    class Method(models.TextChoices):
        MEDIAN = "median", "Median of live sources"
        FIXED = "fixed", "Fixed operator rate"

    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=8)
    method = models.CharField(max_length=8, choices=Method.choices)
    sources = models.JSONField(default=list)
    excluded = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["currency", "-created_at"], name="rates_snap_cur_time")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_fixed(self) -> bool:
        return self.method == self.Method.FIXED

    @property
    def label(self) -> str:
        """One line for receipts and invoice pages."""
        if self.is_fixed:
            return (f"{self.rate.normalize():f} {self.currency}/BTC — fixed operator rate, "
                    "not a market price")
        names = ", ".join(str(s.get("source")) for s in self.sources)
        return (f"{self.rate.normalize():f} {self.currency}/BTC — median of "
                f"{len(self.sources)} sources ({names})")

    def receipt(self) -> dict[str, Any]:
        """The snapshot as plain JSON (for invoice records and the API)."""
        return {"id": self.pk, "currency": self.currency, "rate": str(self.rate),
                "method": self.method, "sources": self.sources, "excluded": self.excluded,
                "createdAt": self.created_at.isoformat()}
