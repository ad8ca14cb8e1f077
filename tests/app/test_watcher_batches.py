"""The watcher's block application costs the same number of queries whatever the number
of payments in the block and of open invoices (no node: the block's transactions are
built as values and applied with Watcher.apply_batch, then the invoices recomputed as a
poll does)."""

from __future__ import annotations

import secrets

import pytest
from django.db import transaction

from cryptoshop.chain import configured
from cryptoshop.chain.values import Transaction, TxIn, TxOut
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice, InvoiceEvent, Payment, WatcherState
from cryptoshop.payments.watcher import Watcher, recompute
from tests.factories import make_account, make_order, payout, seller, seller_tpub
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db
HEIGHT = 200
# apply_batch on a block of payments to invoices seen before, then recompute (listed below).
BLOCK_QUERIES = 16


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


def _invoices(count: int) -> list[Invoice]:
    """`count` open invoices of one direct store needing 2 confirmations."""
    _, store = seller(f"Store {secrets.token_hex(3)}")
    payout(store, seller_tpub(next(_wallets)), confirmations=2)
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
