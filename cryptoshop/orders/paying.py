"""Orders marked paid by the payments layer (a later layer) when their invoices settle:
the reserved stock committed and the sale counted. Takes the whole list a block settles,
so a block of 200 payments marks its orders paid in a few queries, not a few per order;
actions.do_mark_paid is the list of one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Listing
from cryptoshop.orders import history
from cryptoshop.orders.models import Order, OrderEvent, OrderItem

OrderStatus = Order.Status
Actor = OrderEvent.Actor
# An order is paid from either: a payment that settles after the reservation lapsed
# (expired) still pays it, if the stock is there.
PAYABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)


def do_mark_paid_many(paid: Sequence[tuple[Order, str]]) -> set[int]:
    """Mark each (order, note) paid whose order still waits for its payment (or expired
    meanwhile); returns the ids of those marked. Idempotent: an order already paid (a
    replayed block) is left alone. Inside one transaction; the orders' rows are locked
    between reading their status and changing it (FOR UPDATE on PostgreSQL; SQLite has
    one writer), so a concurrent cancel and this can't both win."""
    if not paid:
        return set()
    notes = {order.pk: note for order, note in paid}
    now = timezone.now()
    with transaction.atomic():
        found = dict(Order.objects.select_for_update().filter(pk__in=list(notes),
                                                              status__in=PAYABLE)
                     .order_by().values_list("pk", "status"))
        if not found:
            return set()
        Order.objects.filter(pk__in=list(found)).update(status=OrderStatus.PAID,
                                                        updated_at=now)
        orders = {order.pk: order for order, _ in paid if order.pk in found}
        for order in orders.values():
            order.status, order.updated_at = OrderStatus.PAID, now
        history.record_changes([history.Change(order, OrderStatus.PAID, Actor.SYSTEM, None,
                                               notes[pk], from_status=found[pk])
                                for pk, order in orders.items()])
        late = [orders[pk] for pk, was in found.items() if was == OrderStatus.EXPIRED]
        for order in late:
            _take_stock_again(order)
        _count_sales(list(orders))
        bump_generation()  # stock taken again, best-selling order (cached pages, ADR 15)
    return set(orders)


def _take_stock_again(order: Order) -> None:
    """Paid after the reservation lapsed: take the stock again if it is still there; if
    not, say so plainly — the seller must refund or restock. (Rare: one order at a time.)"""
    short = []
    for item in order.items.filter(listing__isnull=False).select_related("listing"):
        if item.listing is None or item.listing.stock is None:
            continue
        if not Listing.objects.filter(pk=item.listing.pk, stock__gte=item.quantity).update(
                stock=F("stock") - item.quantity):
            short.append(item.title)
    if short:
        history.record_changes([history.Change(
            order, OrderStatus.PAID, Actor.SYSTEM, None,
            "Paid after the reservation expired; no longer in stock: " + ", ".join(short),
            from_status=OrderStatus.PAID)])


def _count_sales(order_ids: list[int]) -> None:
    """sold_count += quantity for every listing in the orders: one read of their items and
    one executemany UPDATE (by listing), whatever the number of orders."""
    sold: Counter[int] = Counter()
    for listing_id, quantity in OrderItem.objects.filter(
            order_id__in=order_ids, listing__isnull=False).order_by().values_list(
                "listing_id", "quantity"):
        sold[listing_id] += quantity
    if not sold:
        return
    ops = connection.ops
    table, column = ops.quote_name(Listing._meta.db_table), ops.quote_name("sold_count")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {column} = {column} + %s WHERE id = %s",  # noqa: S608
            [(quantity, pk) for pk, quantity in sorted(sold.items())])
