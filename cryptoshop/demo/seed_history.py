"""Demo sales history (part of `manage.py seed_demo`): about eight months of orders across
the demo stores, so a seller's sales overview and the operator's analytics draw real curves
on a fresh `make run`.

Every order goes through the real actions: checkout, the invoice (payments' action, with
the store's demo wallet), its payment recorded the way the watcher records one (a Payment
row in a block; no node is asked) and settled by apply_state, then shipping and receipt,
the buyer's or the timer's cancellations and expiries, the seller's refunds (the refund's
payment recorded the same way), and — after the escrow stores switched to escrow five weeks
ago — escrow orders funded on settlement, some disputed. Escrow payouts (release) need
co-signed transactions broadcast to a node, so the history has none: its escrows are held.
history_clock.py then moves every timestamp into the simulated past, in one place.

The shape: growth over the months, busier weekends and evenings, a busy November and July;
buyers are mostly new, some come back. Deterministic (a fixed seed, relative to ``now``)
and idempotent: nothing is made once a demo store has an order older than a week. Needs
the demo wallets (regtest) and a chain backend configured (the node is never called for
history payments)."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.actions import do_register
from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing
from cryptoshop.chain import configured
from cryptoshop.chain.errors import ChainError
from cryptoshop.demo import history_plan as plan_mod
from cryptoshop.demo.catalog_data import STORES
from cryptoshop.demo.history_clock import HistoryClock, backdate
from cryptoshop.demo.history_plan import Planned
from cryptoshop.demo.wallets import DIRECT_DEMO_STORES, ensure_demo_wallets
from cryptoshop.escrow.disputes import do_open_dispute
from cryptoshop.escrow.models import Escrow
from cryptoshop.notifications.models import Notification
from cryptoshop.orders import actions as orders
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import (
    Invoice,
    Payment,
    PaymentSettings,
    RefundPayment,
    WatcherState,
)
from cryptoshop.payments.refunds import apply_refund_state, do_start_refund
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)

CLIENT_IP = "seed_history"
ADDRESS = "Demo Buyer\n1 Example Street\nSpringfield"


@dataclass
class HistoryResult:
    orders: int = 0
    buyers: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Run:
    rng: random.Random
    clock: HistoryClock
    stores: dict[str, Store]
    listings: dict[str, list[Listing]]
    buyers: list[User] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    height: int = 100


def _already_there(stores: list[Store], now: datetime) -> bool:
    return Order.objects.filter(store__in=stores,
                                created_at__lt=now - timedelta(days=7)).exists()


def _ready() -> str:
    """Why payments can't be made now ("" when they can). A node that is configured but
    down would cost every invoice its retries: the history waits for the next seed."""
    try:
        backend = configured.backend()
    except configured.ChainNotConfigured:
        return "no chain backend: payments are off, so no sales history"
    if WatcherState.objects.filter(name="chain", cursor_height__isnull=False).exists():
        return ""
    try:
        backend.get_tip()
    except ChainError:
        return "the chain node doesn't answer: no sales history this time"
    return ""


def _set_mode(store: Store, mode: str) -> None:
    ps = PaymentSettings.objects.get(store=store)
    pay.do_set_payout(store, pay.PayoutInput(
        descriptor=ps.descriptor, required_confirmations=ps.required_confirmations,
        invoice_minutes=ps.invoice_minutes, watch_hours=ps.watch_hours,
        tolerance_percent=ps.tolerance_percent, mode=mode,
        auto_release_days=ps.auto_release_days))


def _buyer(run: _Run, p: Planned) -> User:
    if p.buyer < len(run.buyers):
        return run.buyers[p.buyer]
    run.clock.at(p.at - timedelta(minutes=p.minutes(3, 40)))
    user = do_register(display_name=None, client_ip=f"{CLIENT_IP}-{p.buyer}").user
    run.buyers.append(user)
    return user


def _settle(run: _Run, invoice: Invoice, at: datetime) -> None:
    """The payment as the watcher would store it once mined, then apply_state."""
    run.height += 1
    run.clock.at(at)
    Payment.objects.create(invoice=invoice, txid=run.rng.randbytes(32).hex(), vout=0,
                           value_sat=invoice.amount_sat, state=Payment.State.CONFIRMED,
                           block_height=run.height, block_hash=run.rng.randbytes(32).hex())
    pay.apply_state(invoice, tip_height=run.height + 2)


def _expire(run: _Run, order: Order, invoice: Invoice, at: datetime) -> None:
    """The reservation clock and the invoice's expiry, as the periodic jobs run them."""
    run.clock.at(at)
    order.refresh_from_db()
    if order.status == Order.Status.PENDING_PAYMENT:
        orders.expire_reservations(now=order.reserved_until + timedelta(seconds=1))
    pay.apply_state(invoice, tip_height=run.height, now=invoice.expires_at + timedelta(seconds=1))


def _refund(run: _Run, order: Order, p: Planned, paid_at: datetime) -> None:
    run.clock.at(paid_at + timedelta(hours=p.minutes(60, 48 * 60) / 60))
    refund = do_start_refund(order, order.store.owner)
    run.height += 1
    run.clock.at(paid_at + timedelta(hours=p.minutes(50 * 60, 70 * 60) / 60))
    RefundPayment.objects.create(refund=refund, txid=run.rng.randbytes(32).hex(), vout=0,
                                 value_sat=refund.amount_sat, state=Payment.State.CONFIRMED,
                                 block_height=run.height,
                                 block_hash=run.rng.randbytes(32).hex())
    refund.refresh_from_db()
    apply_refund_state(refund, tip_height=run.height + 2)


def _after_payment(run: _Run, order: Order, buyer: User, p: Planned, paid_at: datetime,
                   now: datetime) -> None:
    order.refresh_from_db()
    if p.outcome == "refunded":
        _refund(run, order, p, paid_at)
        return
    shipped_at = paid_at + timedelta(minutes=p.minutes(4 * 60, 3 * 24 * 60))
    if shipped_at >= now:
        return
    run.clock.at(shipped_at)
    orders.do_mark_shipped(order, order.store.owner, "Sent with tracking (demo)")
    escrow = Escrow.objects.filter(order=order).first()
    if escrow is not None:
        if p.outcome == "disputed":
            run.clock.at(shipped_at + timedelta(days=p.minutes(2, 6)))
            do_open_dispute(escrow, buyer, "The parcel hasn't arrived and the tracking "
                                           "number shows no movement for days.")
        return  # held: a release is a co-signed transaction the history can't broadcast
    received_at = shipped_at + timedelta(minutes=p.minutes(2 * 24 * 60, 10 * 24 * 60))
    if received_at < now:
        run.clock.at(received_at)
        orders.do_confirm_received(order, buyer)


def _one_order(run: _Run, p: Planned, now: datetime) -> None:
    buyer = _buyer(run, p)
    store = run.stores[p.store]
    items = [(item.public_id, qty) for item, qty in
             plan_mod.pick_items(run.listings[p.store], p)]
    physical = any(i.kind == Listing.Kind.PHYSICAL for i in run.listings[p.store]
                   if i.public_id in {x for x, _ in items})
    option = store.shipping_options.filter(active=True).order_by("id").first()
    data = orders.CheckoutInput(
        shipping={store.pk: option.pk} if physical and option else {},
        address=ADDRESS if physical else "")
    run.clock.at(p.at)
    [order] = orders.do_checkout_items(buyer, items, data,
                                       client_ip=f"{CLIENT_IP}-{p.buyer}")
    run.order_ids.append(order.pk)
    if p.outcome == "cancelled_unpaid":
        run.clock.at(p.at + timedelta(minutes=p.minutes(2, 25)))
        orders.do_cancel(order, buyer, role="buyer", reason="Changed my mind")
        return
    invoice_at = p.at + timedelta(minutes=p.minutes(1, 6))
    run.clock.at(invoice_at)
    if p.escrow:
        plan_mod.give_escrow_key(buyer, p.buyer)
    invoice = pay.do_create_invoice(order, buyer, client_ip=f"{CLIENT_IP}-{p.buyer}",
                                    refund_address=plan_mod.refund_address(len(run.order_ids)))
    expires_at = invoice_at + (invoice.expires_at - invoice.created_at)
    if p.outcome in ("expired", "cancelled"):
        if p.outcome == "cancelled":
            run.clock.at(invoice_at + timedelta(minutes=p.minutes(2, 10)))
            orders.do_cancel(order, buyer, role="buyer", reason="Ordered the wrong size")
        _expire(run, order, invoice, expires_at + timedelta(seconds=1))
        return
    paid_at = invoice_at + timedelta(minutes=p.minutes(12, 70))
    _settle(run, invoice, paid_at)
    _after_payment(run, order, buyer, p, paid_at, now)


def _stores_and_listings() -> tuple[dict[str, Store], dict[str, list[Listing]]]:
    stores = {s.slug: s for s in Store.objects.filter(
        slug__in=[x.slug for x in STORES], payment_settings__isnull=False,
        status=Store.Status.ACTIVE).select_related("owner")}
    listings: dict[str, list[Listing]] = {slug: [] for slug in stores}
    for item in Listing.objects.filter(store__in=list(stores.values()), status="active",
                                       blocked=False, price_mode="sat",
                                       stock__isnull=True).order_by("id"):
        listings[item.store.slug].append(item)
    usable = {slug for slug, items in listings.items() if items}
    return ({s: v for s, v in stores.items() if s in usable},
            {s: v for s, v in listings.items() if s in usable})


def seed_history(now: datetime | None = None, seed: int = plan_mod.SEED) -> HistoryResult:
    """Make the demo stores' past sales; returns what was made (nothing when already there,
    or when payments are off)."""
    result = HistoryResult()
    why_not = _ready()
    if why_not:
        result.skipped.append(why_not)
        return result
    ensure_demo_wallets()
    stores, listings = _stores_and_listings()
    now = now or timezone.now()
    if not stores or _already_there(list(stores.values()), now):
        return result
    rng = random.Random(seed)  # noqa: S311 (a fixed seed: the same demo every run)
    escrow_stores = [s for slug, s in stores.items() if slug not in DIRECT_DEMO_STORES and
                     PaymentSettings.objects.filter(store=s, mode="escrow").exists()]
    planned = plan_mod.plan(rng, now, sorted(stores), {s.slug for s in escrow_stores})
    run = _Run(rng, HistoryClock(), stores, listings)
    first_notice = (Notification.objects.order_by("-id").values_list("id", flat=True)
                    .first() or 0) + 1
    with transaction.atomic():
        # Before the switch date every demo store was paid directly; then the escrow
        # stores moved to escrow (what ensure_demo_wallets set up is restored below).
        for store in escrow_stores:
            _set_mode(store, PaymentSettings.Mode.DIRECT)
        switched = False
        for p in planned:
            if p.escrow and not switched:
                for store in escrow_stores:
                    _set_mode(store, PaymentSettings.Mode.ESCROW)
                switched = True
            _one_order(run, p, now)
        if not switched:
            for store in escrow_stores:
                _set_mode(store, PaymentSettings.Mode.ESCROW)
        run.clock.end()
        notified = [u.pk for u in run.buyers] + [s.owner_id for s in stores.values()] + list(
            User.objects.filter(is_staff=True).values_list("pk", flat=True))
        backdate(run.clock, run.order_ids, [u.pk for u in run.buyers], notified, first_notice)
    result.orders, result.buyers = len(run.order_ids), len(run.buyers)
    logger.info("demo history: %s orders by %s buyers", result.orders, result.buyers)
    return result
