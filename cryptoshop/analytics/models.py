"""Rollup tables for the sales analytics: sums per store and day, per listing and month,
and the buyer counts behind the cohorts. They hold figures, never a buyer's history shown
to anyone: BuyerMonth only records *that* an account bought in a month, so distinct
buyers can be counted without scanning every order (docs/analytics.md, ADR 13).

Days and months are the shop's (settings.TIME_ZONE). rollup.py fills them; queries.py
reads them; reference.py computes the same figures straight from the orders."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StoreDay(models.Model):
    """What happened in one store on one day (each figure on the day of its own event:
    an order on the day it was placed, a payment on the day its invoice settled, a payout
    on the day it confirmed)."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    orders_created = models.IntegerField(default=0)
    orders_paid = models.IntegerField(default=0)  # invoices settled
    escrow_orders_paid = models.IntegerField(default=0)  # of which paid into escrow
    settled_sat = models.BigIntegerField(default=0)  # invoice amounts settled
    paid_out_sat = models.BigIntegerField(default=0)  # direct settlements + escrow payouts
    escrow_released_sat = models.BigIntegerField(default=0)  # the seller's escrow payouts
    fee_sat = models.BigIntegerField(default=0)  # marketplace fee of those payouts
    refunds = models.IntegerField(default=0)
    refunded_sat = models.BigIntegerField(default=0)
    disputes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="storeday_unique")]
        indexes = [models.Index(fields=["day"], name="storeday_day")]


class ListingMonth(models.Model):
    """Units sold and their sats per listing and month (orders counted when paid).
    listing_id 0 stands for items whose listing was deleted."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first of the month
    listing_id = models.BigIntegerField()
    category_id = models.BigIntegerField(null=True)
    title = models.CharField(max_length=120)
    units = models.BigIntegerField(default=0)
    revenue_sat = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "month", "listing_id"],
                                               name="listingmonth_unique")]
        indexes = [models.Index(fields=["month"], name="listingmonth_month")]


class BuyerMonth(models.Model):
    """That an account paid for an order in a month: the raw material of distinct-buyer
    counts. Never shown; deleted with the account (CASCADE)."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer", "month"],
                                               name="buyermonth_unique")]


class CohortCell(models.Model):
    """How many buyers whose first paid month is ``cohort`` bought again in ``month``
    (cohort == month: that month's new buyers)."""

    cohort = models.DateField()
    month = models.DateField()
    buyers = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "month"],
                                               name="cohortcell_unique")]


class ReleaseTime(models.Model):
    """Seconds from an escrow order's payment (invoice settled) to its release confirmed,
    one row per released escrow, indexed so the median is one indexed offset."""

    escrow_id = models.BigIntegerField(unique=True)
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seconds = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["seconds"], name="releasetime_seconds")]


class RollupState(models.Model):
    """One row: up to when the rollups have taken in events, and when they were rebuilt."""

    name = models.CharField(max_length=20, unique=True)
    watermark = models.DateTimeField(null=True)
    refreshed_at = models.DateTimeField(null=True)
    rebuilt_at = models.DateTimeField(null=True)
