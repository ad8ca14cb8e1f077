"""Keeping the rollup tables (models.py) current.

rebuild(): everything again from the orders (`manage.py analytics_rebuild`, the demo seed).
refresh(): the periodic job. It recomputes the shop days from the one its watermark falls
in (minus OVERLAP, for rows committed a little after the instant they carry) to today,
and the months from that day's month; nothing at all when no event came since."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min, OuterRef, Subquery
from django.utils import timezone

from cryptoshop.analytics import facts
from cryptoshop.analytics.buckets import local_date, local_midnight, month_start
from cryptoshop.analytics.models import (
    BuyerMonth,
    CohortCell,
    ListingMonth,
    ReleaseTime,
    RollupState,
    StoreDay,
)
from cryptoshop.escrow.models import Dispute, Spend
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice, Refund

OVERLAP = timedelta(minutes=15)
STATE = "sales"
BATCH = 2000


def _state() -> RollupState:
    return RollupState.objects.get_or_create(name=STATE)[0]


def rebuild(now: datetime | None = None) -> int:
    """Empty the tables and fill them from all orders; returns the StoreDay rows made."""
    now = now or timezone.now()
    with transaction.atomic():
        for model in (StoreDay, ListingMonth, BuyerMonth, CohortCell, ReleaseTime):
            model.objects.all().delete()
        made = _fill(None)
        RollupState.objects.update_or_create(name=STATE, defaults={
            "watermark": now, "refreshed_at": now, "rebuilt_at": now})
    return made


def _anything_since(since: datetime) -> bool:
    return (Order.objects.filter(created_at__gte=since).exists()
            or Invoice.objects.filter(settled_at__gte=since).exists()
            or Spend.objects.filter(confirmed_at__gte=since).exists()
            or Refund.objects.filter(confirmed_at__gte=since).exists()
            or Dispute.objects.filter(created_at__gte=since).exists())


def refresh(now: datetime | None = None) -> str:
    """Take in what happened since the last run; a message for the job log when it did."""
    now = now or timezone.now()
    state = _state()
    if state.watermark is None:
        made = rebuild(now)
        return f"analytics rebuilt ({made} store days)"
    since = state.watermark - OVERLAP
    if not _anything_since(since):
        RollupState.objects.filter(pk=state.pk).update(refreshed_at=now)
        return ""
    start = local_midnight(local_date(since))
    with transaction.atomic():
        # Several processes run the jobs: the first to lock the state row refreshes, the
        # others find its watermark moved and leave (SQLite serializes writers anyway).
        locked = RollupState.objects.select_for_update().get(pk=state.pk)
        if locked.watermark != state.watermark:
            return ""
        StoreDay.objects.filter(day__gte=start.date()).delete()
        ListingMonth.objects.filter(month__gte=month_start(start.date())).delete()
        ReleaseTime.objects.filter(day__gte=start.date()).delete()
        made = _fill(start)
        RollupState.objects.filter(pk=state.pk).update(watermark=now, refreshed_at=now)
    return f"analytics refreshed from {start.date()} ({made} store days)"


def _fill(since: datetime | None) -> int:
    """Write the facts of events at or after ``since`` (the rows they replace are gone)."""
    days = facts.store_days(since)
    StoreDay.objects.bulk_create(
        [StoreDay(store_id=store, day=day, **values) for (store, day), values in days.items()],
        batch_size=BATCH)
    month_since = None if since is None else local_midnight(month_start(since.date()))
    ListingMonth.objects.bulk_create(
        [ListingMonth(store_id=store, month=month, listing_id=listing, title=cell.title[:120],
                      category_id=cell.category_id, units=cell.units,
                      revenue_sat=cell.revenue_sat)
         for (store, month, listing), cell in facts.listing_months(month_since).items()],
        batch_size=BATCH)
    ReleaseTime.objects.bulk_create(
        [ReleaseTime(escrow_id=e, store_id=s, day=d, seconds=sec)
         for e, s, d, sec in facts.release_times(since)], batch_size=BATCH)
    before = BuyerMonth.objects.count()
    BuyerMonth.objects.bulk_create(
        [BuyerMonth(buyer_id=b, month=m) for b, m in facts.buyer_months(month_since)],
        batch_size=BATCH, ignore_conflicts=True)
    if since is None or BuyerMonth.objects.count() != before:
        _recount_cohorts()
    return len(days)


def _recount_cohorts() -> None:
    """CohortCell from BuyerMonth: one grouped query over the buyer-months."""
    first = (BuyerMonth.objects.filter(buyer_id=OuterRef("buyer_id")).order_by()
             .values("buyer_id").annotate(m=Min("month")).values("m"))
    rows = (BuyerMonth.objects.order_by().annotate(cohort=Subquery(first))
            .values("cohort", "month").annotate(n=Count("id")))
    CohortCell.objects.all().delete()
    CohortCell.objects.bulk_create(
        [CohortCell(cohort=r["cohort"], month=r["month"], buyers=r["n"]) for r in rows],
        batch_size=BATCH)
