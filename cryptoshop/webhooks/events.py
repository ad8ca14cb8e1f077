"""The events a store's endpoints can choose, what each sends, and queueing them.

Listeners (wiring.py) are called inside the transaction of the change they report, so the
Delivery rows commit or roll back with it: a rolled-back order change never reaches a
receiver, and a committed one is never lost to a crash between the change and the queue.
The job (delivery.py) sends them once committed.

Bodies carry no shipping address, note or buyer identity: a receiver that needs more asks
the API with the store's credentials."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from cryptoshop.escrow.models import Escrow
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice
from cryptoshop.stores.models import Store
from cryptoshop.webhooks.models import Delivery, Webhook

logger = logging.getLogger(__name__)

ORDER_EVENTS = {"pending_payment": "order.created", "paid": "order.paid",
                "shipped": "order.shipped", "completed": "order.completed",
                "cancelled": "order.cancelled", "refunded": "order.refunded"}
INVOICE_EVENTS = {"processing": "invoice.processing", "settled": "invoice.settled",
                  "expired": "invoice.expired", "invalid": "invoice.invalid"}
# EscrowEvent kinds that are webhook events; a confirmed payout is released or refunded by
# the escrow's final status (an arbiter's split counts as released: the seller is paid).
ESCROW_KINDS = {"funded": "escrow.funded", "dispute_opened": "escrow.disputed"}
PAYOUT_EVENTS = {"released": "escrow.released", "split": "escrow.released",
                 "refunded": "escrow.refunded"}
EVENT_TYPES: tuple[str, ...] = (*ORDER_EVENTS.values(), *INVOICE_EVENTS.values(),
                                "escrow.funded", "escrow.released", "escrow.refunded",
                                "escrow.disputed")
PING = "ping"


def new_event_id() -> str:
    return f"evt_{secrets.token_hex(10)}"


def order_object(order: Order, previous: str) -> dict[str, Any]:
    return {"id": order.public_id, "status": order.status, "previousStatus": previous or None,
            "itemsSat": order.items_sat, "shippingSat": order.shipping_sat,
            "totalSat": order.total_sat, "fiatTotal": str(order.fiat_total),
            "fiatCurrency": order.fiat_currency or None,
            "createdAt": order.created_at.isoformat()}


def invoice_object(invoice: Invoice, previous: str) -> dict[str, Any]:
    return {"id": invoice.public_id, "orderId": invoice.order.public_id,
            "status": invoice.status, "previousStatus": previous, "address": invoice.address,
            "amountSat": invoice.amount_sat, "paidSat": invoice.paid_sat,
            "confirmedSat": invoice.confirmed_sat, "paidPartial": invoice.paid_partial,
            "paidOver": invoice.paid_over, "paidLate": invoice.paid_late}


def escrow_object(escrow: Escrow) -> dict[str, Any]:
    return {"id": escrow.public_id, "orderId": escrow.order.public_id,
            "status": escrow.status, "fundedSat": escrow.funded_sat}


def body_of(event_id: str, event_type: str, at: datetime, store: Store, webhook: Webhook,
            delivery_id: str, data: dict[str, Any], *, redelivery: bool = False) -> str:
    return json.dumps({
        "id": event_id, "type": event_type, "timestamp": int(at.timestamp()),
        "storeId": store.public_id, "webhookId": webhook.public_id,
        "deliveryId": delivery_id, "isRedelivery": redelivery, "data": data,
    }, separators=(",", ":"), sort_keys=False)


def enqueue(store: Store, event_type: str, data: dict[str, Any]) -> list[Delivery]:
    """One Delivery per enabled endpoint of `store` that chose `event_type`, due now."""
    return enqueue_many([(store, event_type, data)])


def enqueue_many(events: list[tuple[Store, str, dict[str, Any]]]) -> list[Delivery]:
    """enqueue() for many (store, event type, data) events: the stores' endpoints read in
    one query and the deliveries written in one INSERT (a block settling 200 invoices)."""
    if not events:
        return []
    hooks: dict[int, list[Webhook]] = {}
    # A store has a handful of endpoints: their events filtered here, not with a JSON
    # query that SQLite can't run.
    for webhook in Webhook.objects.filter(store_id__in={s.pk for s, _, _ in events},
                                          enabled=True):
        hooks.setdefault(webhook.store_id, []).append(webhook)
    now = timezone.now()
    made: list[Delivery] = []
    for store, event_type, data in events:
        event_id = new_event_id()
        for webhook in hooks.get(store.pk, []):
            if event_type not in webhook.events:
                continue
            delivery = Delivery(webhook=webhook, event_id=event_id, event_type=event_type,
                                next_attempt_at=now, created_at=now)
            delivery.body = body_of(event_id, event_type, now, store, webhook,
                                    delivery.public_id, data)
            made.append(delivery)
    if not made:
        return []
    # A savepoint: a failure here must not poison the caller's transaction (PostgreSQL
    # refuses every statement after an error until the rollback).
    with transaction.atomic():
        if len(made) == 1:
            made[0].save()
        else:
            Delivery.objects.bulk_create(made)
    return made


def on_order_statuses(changes: list[tuple[Order, str, str]]) -> None:
    """ORDER_STATUS_CHANGES: an order.* event per change that is one."""
    events = []
    for order, from_status, to_status in changes:
        event_type = ORDER_EVENTS.get(to_status)
        if to_status == "pending_payment" and from_status:
            continue  # only a new order is "created"
        if event_type is not None:
            events.append((order.store, event_type, order_object(order, from_status)))
    enqueue_many(events)


def on_invoice_statuses(changes: list[tuple[Invoice, str, str]]) -> None:
    """INVOICE_STATUS_CHANGES: an invoice.* event per change that is one."""
    enqueue_many([(invoice.order.store, INVOICE_EVENTS[new], invoice_object(invoice, old))
                  for invoice, old, new in changes if new in INVOICE_EVENTS])


def on_escrow_event(escrow: Escrow, kind: str) -> None:
    event_type = ESCROW_KINDS.get(kind)
    if kind == "payout_confirmed":
        event_type = PAYOUT_EVENTS.get(escrow.status)
    if event_type is not None:
        enqueue(escrow.order.store, event_type, escrow_object(escrow))
