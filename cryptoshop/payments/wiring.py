"""Wiring the payments layer into the rest: periodic jobs, health, live-room access."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models import Count

from cryptoshop.accounts.models import User
from cryptoshop.core.jobs import (
    ON_CHAIN_LOOP_START,
    ON_SHUTDOWN,
    register_chain_job,
    register_job,
)
from cryptoshop.core.metrics import (
    WATCHER_LAG_BLOCKS,
    WATCHER_MEMPOOL_TXS,
    WATCHER_POLL_SECONDS,
    register_gauge_family,
)
from cryptoshop.orders.models import Order
from cryptoshop.orders.registry import ORDER_PAYMENT
from cryptoshop.payments import actions, push, watcher
from cryptoshop.payments import health as payments_health
from cryptoshop.payments.addresses import recycle_unpaid_addresses
from cryptoshop.payments.api import invoice_out
from cryptoshop.payments.models import AddressSlot, Invoice, PaymentSettings
from cryptoshop.payments.refund_views import refund_context
from cryptoshop.realtime.rooms import register_room_authorizer
from cryptoshop.stores.models import Store
from cryptoshop.stores.registry import PAYMENT_MODE


def _watch() -> object:
    push.ensure()
    started = time.perf_counter()
    try:
        result = watcher.run_once()
    finally:
        push.publish_status()
    if result is None or not result.leader:
        return None
    WATCHER_POLL_SECONDS.observe(time.perf_counter() - started)
    WATCHER_LAG_BLOCKS.set(watcher.lag_blocks())
    WATCHER_MEMPOOL_TXS.labels("pushed").inc(result.mempool_pushed)
    WATCHER_MEMPOOL_TXS.labels("fetched").inc(result.mempool_fetched)
    if result.blocks or result.changed_invoices or result.reorged or result.changed_refunds:
        return (f"tip {result.tip_height}: {result.blocks} block(s), "
                f"{len(result.changed_invoices)} invoice(s) changed, "
                f"{len(result.changed_refunds)} refund(s) changed, {result.reorged} reorged, "
                f"{result.mempool_pushed + result.mempool_fetched} new mempool tx(s) "
                f"({result.mempool_pushed} pushed)")
    return None


def _invoices_by_state() -> dict[str, int]:
    counts = dict.fromkeys(Invoice.Status.values, 0)
    for row in Invoice.objects.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = int(row["n"])
    return counts


def _address_room_allowed(user: User, address: str) -> bool:
    """`address-<addr>` rooms: the buyer or the seller of the order whose invoice holds the
    address *now*. A recycled address (addresses.py) moves on to another buyer's invoice;
    earlier holders are out, and nobody holds it while it waits in the free pool."""
    current = (Invoice.objects.filter(address=address).select_related("order__store", "slot")
               .order_by("-pk").first())
    if current is None or (current.slot is not None
                           and current.slot.state == AddressSlot.State.FREE):
        return False
    return user.pk in (current.order.buyer_id, current.order.store.owner_id)


class _OrderPayment:
    """The payments app's side of orders' OrderPayment."""

    def page_context(self, order: Order) -> dict[str, Any]:
        invoice = actions.open_invoice(order)
        return {"invoice": invoice,
                "invoice_flags": actions.settle_flags(invoice) if invoice else [],
                **refund_context(order)}

    def api_out(self, order: Order) -> dict[str, Any] | None:
        invoice = actions.open_invoice(order)
        return invoice_out(invoice) if invoice is not None else None


def _payment_mode(store: Store) -> str | None:
    mode = PaymentSettings.objects.filter(store=store).values_list("mode", flat=True).first()
    return str(mode) if mode else None


def install() -> None:
    PAYMENT_MODE.provide(_payment_mode)
    ORDER_PAYMENT.provide(_OrderPayment())
    register_chain_job("watch_chain", _watch, settings.WATCHER_POLL_SECONDS)
    # Stopped cleanly: hand the chain watcher's lease over at once instead of making the
    # next process wait for it to run out.
    ON_SHUTDOWN.add(watcher.release)
    # The node's push notifications wake the loop that runs the watcher (ADR 17).
    ON_CHAIN_LOOP_START.add(push.enable)
    ON_SHUTDOWN.add(push.stop)
    register_job("recycle_addresses", 600, recycle_unpaid_addresses)
    payments_health.install()
    register_gauge_family("cryptoshop_invoices", "Invoices by state (read at scrape time)",
                          "state", _invoices_by_state)
    register_room_authorizer("address-", _address_room_allowed)
