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


def listeners(store: Store, event_type: str) -> list[Webhook]:
    # A store has a handful of endpoints: filtered here, not with a JSON query that
    # SQLite can't run.
    return [w for w in Webhook.objects.filter(store=store, enabled=True)
            if event_type in w.events]


def enqueue(store: Store, event_type: str, data: dict[str, Any]) -> list[Delivery]:
    """One Delivery per enabled endpoint of `store` that chose `event_type`, due now."""
    hooks = listeners(store, event_type)
    if not hooks:
        return []
    now, event_id = timezone.now(), new_event_id()
    made = []
    # A savepoint: a failure here must not poison the caller's transaction (PostgreSQL
    # refuses every statement after an error until the rollback).
    with transaction.atomic():
        for webhook in hooks:
            delivery = Delivery(webhook=webhook, event_id=event_id, event_type=event_type,
                                next_attempt_at=now, created_at=now)
            delivery.body = body_of(event_id, event_type, now, store, webhook,
                                    delivery.public_id, data)
            delivery.save()
            made.append(delivery)
    return made


def on_order_status(order: Order, from_status: str, to_status: str) -> None:
    event_type = ORDER_EVENTS.get(to_status)
    if to_status == "pending_payment" and from_status:
        return  # only a new order is "created"
    if event_type is not None:
        enqueue(order.store, event_type, order_object(order, from_status))


def on_invoice_status(invoice: Invoice, old: str, new: str) -> None:
    event_type = INVOICE_EVENTS.get(new)
    if event_type is not None:
        enqueue(invoice.order.store, event_type, invoice_object(invoice, old))


def on_escrow_event(escrow: Escrow, kind: str) -> None:
    event_type = ESCROW_KINDS.get(kind)
    if kind == "payout_confirmed":
        event_type = PAYOUT_EVENTS.get(escrow.status)
    if event_type is not None:
        enqueue(escrow.order.store, event_type, escrow_object(escrow))
