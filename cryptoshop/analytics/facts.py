"""The grouped queries both the rollups and the reference are made of: what happened per
store and shop day, per listing and shop month, which buyers paid in which month, and
how long released escrows took — for events at or after ``since`` (None: all time).

Each figure is counted on the day of its own event (docs/analytics.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from cryptoshop.analytics.buckets import local_date, zone
from cryptoshop.escrow.models import Dispute, Spend
from cryptoshop.orders.models import Order, OrderItem
from cryptoshop.payments.models import Invoice, Refund

SETTLED = Invoice.Status.SETTLED
RELEASES = (Spend.Kind.RELEASE, Spend.Kind.AUTO_RELEASE)
DAY_FIELDS = ("orders_created", "orders_paid", "escrow_orders_paid", "settled_sat",
              "paid_out_sat", "escrow_released_sat", "fee_sat", "refunds", "refunded_sat",
              "disputes")


def _since(qs: QuerySet[Any], field: str, since: datetime | None) -> QuerySet[Any]:
    return qs if since is None else qs.filter(**{f"{field}__gte": since})


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=zone())


def store_days(since: datetime | None) -> dict[tuple[int, date], dict[str, int]]:
    """{(store id, shop day): {field: value}} for every DAY_FIELDS figure."""
    out: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(DAY_FIELDS, 0))

    def add(rows: Any, store_key: str, mapping: dict[str, str]) -> None:
        for row in rows:
            cell = out[(row[store_key], row["d"])]
            for field, key in mapping.items():
                cell[field] += int(row[key] or 0)

    add(_since(Order.objects.all(), "created_at", since).order_by()
        .values("store_id", d=_day("created_at")).annotate(n=Count("id")),
        "store_id", {"orders_created": "n"})
    direct = Q(slot__isnull=False)
    add(_since(Invoice.objects.filter(status=SETTLED), "settled_at", since).order_by()
        .values(s=F("order__store_id"), d=_day("settled_at"))
        .annotate(n=Count("id"), esc=Count("id", filter=~direct), sat=Sum("amount_sat"),
                  direct_sat=Sum("amount_sat", filter=direct)),
        "s", {"orders_paid": "n", "escrow_orders_paid": "esc", "settled_sat": "sat",
              "paid_out_sat": "direct_sat"})
    add(_since(Spend.objects.filter(status=Spend.Status.CONFIRMED), "confirmed_at", since)
        .order_by().values(s=F("escrow__order__store_id"), d=_day("confirmed_at"))
        .annotate(seller=Sum("seller_sat"), fee=Sum("marketplace_fee_sat"),
                  buyer=Sum("buyer_sat"), n=Count("id", filter=Q(buyer_sat__gt=0))),
        "s", {"paid_out_sat": "seller", "escrow_released_sat": "seller", "fee_sat": "fee",
              "refunded_sat": "buyer", "refunds": "n"})
    add(_since(Refund.objects.filter(status=Refund.Status.CONFIRMED), "confirmed_at", since)
        .order_by().values(s=F("order__store_id"), d=_day("confirmed_at"))
        .annotate(n=Count("id"), sat=Sum("received_sat")),
        "s", {"refunds": "n", "refunded_sat": "sat"})
    add(_since(Dispute.objects.all(), "created_at", since).order_by()
        .values(s=F("escrow__order__store_id"), d=_day("created_at")).annotate(n=Count("id")),
        "s", {"disputes": "n"})
    return dict(out)


@dataclass
class ListingCell:
    title: str
    category_id: int | None
    units: int = 0
    revenue_sat: int = 0


def _paid_items(since: datetime | None) -> QuerySet[Any]:
    paid = Q(order__invoices__status=SETTLED)
    if since is not None:
        paid &= Q(order__invoices__settled_at__gte=since)
    return OrderItem.objects.filter(paid).order_by()


def listing_months(since: datetime | None) -> dict[tuple[int, date, int], ListingCell]:
    """{(store id, shop month, listing id or 0): ListingCell} for items of paid orders,
    in the month their order's invoice settled. Fiat-priced lines get their share of the
    sats the invoice fixed (fiat_line_sats)."""
    out: dict[tuple[int, date, int], ListingCell] = {}
    month = TruncMonth("order__invoices__settled_at", tzinfo=zone())
    for row in (_paid_items(since).filter(unit_price_sat__isnull=False)
                .values(s=F("order__store_id"), m=month, lid=Coalesce("listing_id", 0))
                .annotate(units=Sum("quantity"), rev=Sum(F("unit_price_sat") * F("quantity")),
                          title=Max("title"), cat=Max("listing__category_id"))):
        key = (row["s"], row["m"].astimezone(zone()).date(), row["lid"])
        out[key] = ListingCell(row["title"], row["cat"], int(row["units"]), int(row["rev"]))
    for key, title, cat, units, sat in _fiat_lines(since):
        cell = out.setdefault(key, ListingCell(title, cat))
        cell.units += units
        cell.revenue_sat += sat
        cell.title = max(cell.title, title)
    return out


def _fiat_lines(since: datetime | None) -> Iterator[tuple[tuple[int, date, int], str,
                                                          int | None, int, int]]:
    rows = (_paid_items(since).filter(unit_price_sat__isnull=True)
            .values_list("order_id", "order__store_id", "order__invoices__settled_at",
                         "order__total_sat", "order__items_sat", "order__shipping_sat",
                         "listing_id", "listing__category_id", "title", "quantity",
                         "unit_price_fiat").order_by("order_id", "id"))
    by_order: dict[int, list[Any]] = defaultdict(list)
    for row in rows.iterator(chunk_size=2000):
        by_order[row[0]].append(row)
    for lines in by_order.values():
        first = lines[0]
        fiat_sat = int(first[3] or 0) - int(first[4]) - int(first[5])
        shares = fiat_line_sats(fiat_sat, [line[10] * line[9] for line in lines])
        month = local_date(first[2]).replace(day=1)
        for line, sat in zip(lines, shares, strict=True):
            yield (first[1], month, line[6] or 0), line[8], line[7], int(line[9]), sat


def fiat_line_sats(fiat_sat: int, line_amounts: list[Decimal]) -> list[int]:
    """Split the sats an invoice fixed for an order's fiat-priced lines in proportion to
    their fiat amounts, in whole sats; the last line takes the rounding remainder, so the
    shares add up to exactly ``fiat_sat``."""
    cents = [int(amount * 100) for amount in line_amounts]
    total = sum(cents)
    if total <= 0:
        return [0] * len(cents)
    shares = [fiat_sat * c // total for c in cents[:-1]]
    return [*shares, fiat_sat - sum(shares)]


def buyer_months(since: datetime | None) -> set[tuple[int, date]]:
    """(buyer id, shop month) for every paid order with a buyer still on file."""
    month = TruncMonth("settled_at", tzinfo=zone())
    rows = (_since(Invoice.objects.filter(status=SETTLED, order__buyer__isnull=False),
                   "settled_at", since).order_by()
            .values_list("order__buyer_id", month).distinct())
    return {(buyer, m.astimezone(zone()).date()) for buyer, m in rows.iterator(chunk_size=5000)}


def release_times(since: datetime | None) -> Iterator[tuple[int, int, date, int]]:
    """(escrow id, store id, shop day of release, seconds from paid to released) for
    escrows whose release (or auto-release) confirmed."""
    paid = (Invoice.objects.filter(order_id=OuterRef("escrow__order_id"), status=SETTLED)
            .order_by("settled_at").values("settled_at")[:1])
    rows = (_since(Spend.objects.filter(status=Spend.Status.CONFIRMED, kind__in=RELEASES),
                   "confirmed_at", since).order_by()
            .annotate(paid_at=Subquery(paid))
            .values_list("escrow_id", "escrow__order__store_id", "confirmed_at", "paid_at"))
    for escrow_id, store_id, released, paid_at in rows.iterator(chunk_size=2000):
        if paid_at is not None:
            yield (escrow_id, store_id, local_date(released),
                   int((released - paid_at).total_seconds()))
