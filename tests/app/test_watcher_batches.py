"""The watcher's block application costs the same number of queries whatever the number
of payments in the block and of open invoices, including what the invoices that settle
do to their orders (marked paid, stock and sales counted, notices, webhooks): no node, the
block's transactions are built as values and applied with Watcher.apply_batch, then the
invoices recomputed as a poll does."""

from __future__ import annotations

import secrets

import pytest
from django.db import transaction

from cryptoshop.catalog.models import Listing
from cryptoshop.chain import configured
from cryptoshop.chain.values import Transaction, TxIn, TxOut
from cryptoshop.notifications.models import Notification
from cryptoshop.orders.models import Order, OrderEvent, OrderItem
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice, InvoiceEvent, Payment, WatcherState
from cryptoshop.payments.watcher import Watcher, recompute
from cryptoshop.webhooks import actions as hooks
from cryptoshop.webhooks.events import EVENT_TYPES
from cryptoshop.webhooks.models import Delivery
from tests.factories import make_account, make_order, payout, seller, seller_tpub
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db
HEIGHT = 200
# apply_batch on a block of payments to invoices seen before, then recompute (listed below).
BLOCK_QUERIES = 16
# A block whose payments settle their invoices at once, with every effect (listed below).
SETTLE_QUERIES = 34
# New payments seen in the mempool, with their effects (notices, webhooks).
MEMPOOL_QUERIES = 20


@pytest.fixture(autouse=True)
def _configured_but_unreachable_node(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invoice:account": (1000, 3600),
                            "invoice:ip": (1000, 3600),
                            "checkout:account": (1000, 3600)}
    settings.MAX_OPEN_INVOICES = settings.MAX_PENDING_ORDERS = 1000
    # The tip the watcher last processed, so a new invoice doesn't ask the (absent) node.
    WatcherState.objects.create(name="chain", network="regtest", cursor_height=HEIGHT - 1)


_wallets = iter(range(300, 10_000))


def _invoices(count: int, *, confirmations: int = 2, webhook: bool = False) -> list[Invoice]:
    """`count` open invoices of one direct store needing `confirmations`."""
    _, store = seller(f"Store {secrets.token_hex(3)}")
    payout(store, seller_tpub(next(_wallets)), confirmations=confirmations)
    if webhook:
        hooks.do_create_webhook(store, hooks.WebhookInput(url="http://127.0.0.1:9/hooks",
                                                          events=list(EVENT_TYPES)))
    buyer = make_account()
    return [pay.do_create_invoice(make_order(buyer.user, store), buyer.user, client_ip="x")
            for _ in range(count)]


def _tx(outputs: list[tuple[str, int]]) -> Transaction:
    return Transaction(txid=secrets.token_hex(32), vsize=150,
                       inputs=(TxIn(secrets.token_hex(32), 0, 0xFFFFFFFD),),
                       outputs=tuple(TxOut(n, v, spk) for n, (spk, v) in enumerate(outputs)),
                       locktime=0, version=2)


def _noise(count: int) -> list[Transaction]:
    return [_tx([("0014" + secrets.token_hex(20), 50_000)]) for _ in range(count)]


def _apply(watcher: Watcher, txs: list[Transaction], height: int | None) -> list[str]:
    touched: set[int] = set()
    with transaction.atomic():
        watcher.apply_batch(txs, touched, height=height,
                            block_hash="" if height is None else secrets.token_hex(32))
    return recompute(touched, HEIGHT, new_blocks=height is not None, reorged=False)


@pytest.mark.parametrize(("payments", "other_open"), [(5, 0), (50, 0), (5, 60)])
def test_a_block_costs_the_same_queries_for_5_or_50_payments(payments: int,
                                                              other_open: int) -> None:
    watcher = Watcher(configured.backend(), "regtest")
    paid = _invoices(payments)
    _invoices(other_open)  # open invoices nobody pays: they must cost nothing
    txs = [_tx([(inv.script_pubkey, inv.amount_sat)]) for inv in paid]
    # Seen unconfirmed first: each invoice turns "processing" (its buyer is told).
    assert len(_apply(watcher, txs, None)) == payments
    with assert_database_query_count(BLOCK_QUERIES):
        # The block (a savepoint around it): pending refund payments, refund lookup by
        # script, pending payments (double-spends), invoice lookup by script, known
        # payments, 1 update to mined, the invoices for the events, 1 insert of the
        # "transaction_mined" events. Recompute: the due invoices (expired or confirming),
        # then (a savepoint) the invoices with orders, their payments, 1 insert of the
        # "confirmation_update" events.
        assert _apply(watcher, _noise(30) + txs, HEIGHT) == []
    assert set(Payment.objects.filter(invoice__in=paid).values_list("state", flat=True)) == {
        Payment.State.CONFIRMED}
    assert InvoiceEvent.objects.filter(kind="transaction_mined").count() == payments
    assert InvoiceEvent.objects.filter(kind="confirmation_update",
                                       invoice__in=paid).count() == payments
    assert Invoice.objects.filter(status=Invoice.Status.PROCESSING).count() == payments


@pytest.mark.parametrize("payments", [5, 50])
def test_a_block_settling_orders_costs_the_same_queries_for_5_or_50(payments: int) -> None:
    """The effects of settling — orders marked paid, sales counted, their history, the
    seller's and buyer's notices, order.paid and invoice.settled webhooks — go in batches:
    were any of them done one order at a time again, 50 orders would cost more queries
    than 5 and this fails."""
    watcher = Watcher(configured.backend(), "regtest")
    paid = _invoices(payments, confirmations=1, webhook=True)
    orders = [inv.order for inv in paid]
    txs = [_tx([(inv.script_pubkey, inv.amount_sat)]) for inv in paid]
    Delivery.objects.all().delete()
    with assert_database_query_count(SETTLE_QUERIES):
        # The block: as above, with 1 bulk insert of the new payments instead of the
        # update to mined. Recompute: as above, with 1 (executemany) update of the
        # invoices before the events; then the stores' webhooks and 1 insert of the
        # invoice.settled deliveries (a savepoint); the escrows among the orders; the
        # orders to mark paid (a savepoint), 1 update, 1 insert of their history, the
        # webhooks and 1 insert of the order.paid deliveries (a savepoint), the orders'
        # items, 1 (executemany) update of the sales counts; 1 insert of the notices.
        changed = _apply(watcher, txs, HEIGHT)
    assert len(changed) == payments
    assert set(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
        "status", flat=True)) == {Order.Status.PAID}
    assert OrderEvent.objects.filter(order__in=orders, to_status=Order.Status.PAID).count() \
        == payments
    assert sorted(Delivery.objects.values_list("event_type", flat=True)) == sorted(
        ["invoice.settled", "order.paid"] * payments)
    assert Notification.objects.filter(kind="order_paid").count() == payments
    assert Notification.objects.filter(kind="payment_confirmed").count() == payments
    assert set(Listing.objects.filter(pk__in=OrderItem.objects.filter(
        order__in=orders).values("listing_id")).values_list("sold_count", flat=True)) == {1}
    # Replayed (a restart mid-block): nothing changes, nothing is told twice.
    assert _apply(watcher, txs, HEIGHT) == []
    assert Delivery.objects.count() == 2 * payments
    assert Notification.objects.filter(kind="order_paid").count() == payments
    assert set(Listing.objects.filter(pk__in=OrderItem.objects.filter(
        order__in=orders).values("listing_id")).values_list("sold_count", flat=True)) == {1}


@pytest.mark.parametrize("payments", [5, 50])
def test_the_mempool_costs_the_same_queries_for_5_or_50_payments(payments: int) -> None:
    """New unconfirmed payments turn their invoices "processing": the buyers' notices and
    the invoice.processing webhooks go in batches too."""
    watcher = Watcher(configured.backend(), "regtest")
    paid = _invoices(payments, webhook=True)
    txs = [_tx([(inv.script_pubkey, inv.amount_sat)]) for inv in paid]
    with assert_database_query_count(MEMPOOL_QUERIES):
        # The batch (a savepoint): pending refund payments, refund lookup by script,
        # pending payments (double-spends), invoice lookup by script, known payments, 1
        # insert of the payments. Recompute: the due invoices, then (a savepoint) the
        # invoices with orders, their payments, 1 update of the invoices, 1 insert of the
        # events, the stores' webhooks and 1 insert of the deliveries (a savepoint), 1
        # insert of the buyers' notices.
        assert len(_apply(watcher, _noise(30) + txs, None)) == payments
    assert Notification.objects.filter(kind="payment_detected").count() == payments
    assert Delivery.objects.filter(event_type="invoice.processing").count() == payments


def test_one_leader_at_a_time_and_the_lease_costs_one_query_per_poll() -> None:
    backend = configured.backend()
    first, second = Watcher(backend, "regtest"), Watcher(backend, "regtest")
    second.holder = "other-host:1"
    WatcherState.objects.all().delete()  # as on a fresh install
    assert first.acquire_lease()  # a fresh install: the row is made and the lease taken
    assert not second.acquire_lease()  # held and not expired
    with assert_database_query_count(1):
        assert first.acquire_lease()  # the leader renews with one UPDATE
    first.release_lease()  # a clean shutdown hands over at once
    assert second.acquire_lease()
    assert not first.acquire_lease()
    assert WatcherState.objects.get(name="chain").leader == "other-host:1"
