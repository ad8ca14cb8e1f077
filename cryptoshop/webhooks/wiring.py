"""Wiring webhooks into the apps it listens to (orders, payments, escrow) and the jobs."""

from __future__ import annotations

from django.conf import settings

from cryptoshop.core.jobs import register_job
from cryptoshop.escrow.registry import ESCROW_EVENT
from cryptoshop.orders.registry import ORDER_STATUS_CHANGES
from cryptoshop.payments.registry import INVOICE_STATUS_CHANGES
from cryptoshop.webhooks import delivery, events


def _deliver() -> object:
    sent = delivery.deliver_due()
    return f"{sent} webhook attempt(s)" if sent else None


def _purge() -> object:
    removed = delivery.purge_old()
    return f"{removed} old webhook deliveries removed" if removed else None


def install() -> None:
    ORDER_STATUS_CHANGES.add(events.on_order_statuses)
    INVOICE_STATUS_CHANGES.add(events.on_invoice_statuses)
    ESCROW_EVENT.add(events.on_escrow_event)
    register_job("deliver_webhooks", settings.WEBHOOK_POLL_SECONDS, _deliver)
    register_job("purge_webhook_deliveries", 6 * 3600, _purge)
