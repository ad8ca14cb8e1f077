"""Orders for the analytics tests, made through the real actions with no node: checkout,
the payments action's invoice, its payment recorded the way the watcher records one
(refund_setup.chain_seen), refunds the way refund tracking records theirs, and escrow
payouts planned, signed and co-signed by the escrow actions (the broadcast fails: no
node) and then closed by the settle job's own closing step once "in a block".

``happened_at`` moves an order's instants afterwards, as the demo history's clock does,
so day and month boundaries can be tested."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from cryptoshop.escrow import settlement
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.escrow.signing import check_sign, do_sign
from cryptoshop.escrow.spends import do_release
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice, Payment, Refund, RefundPayment
from cryptoshop.payments.refunds import apply_refund_state, do_start_refund
from cryptoshop.stores.models import Store
from tests import factories
from tests.app.refund_setup import chain_seen
from tests.factories import Account

_wallets = iter(range(2000, 10_000))


def direct_store(name: str) -> tuple[Account, Store]:
    owner, store = factories.seller(f"{name} {secrets.token_hex(2)}", shipping_sat=0)
    factories.payout(store, factories.seller_tpub(next(_wallets)), mode="direct")
    return owner, store


def escrow_store(name: str) -> tuple[Account, Store]:
    owner, store = factories.seller(f"{name} {secrets.token_hex(2)}", shipping_sat=0)
    factories.escrow_store(store)
    return owner, store


def paid_order(buyer: Account, store: Store, **listing_fields: Any) -> Order:
    """``buyer``'s paid order of one new digital listing (150 000 sat unless told)."""
    order = factories.make_order(buyer.user, store, **listing_fields)
    if store.payment_settings.mode == "escrow":
        factories.give_escrow_key(buyer.user, factories.BUYER_SEED)
    invoice = factories.invoice(order, buyer.user,
                                refund_address=factories.refund_address(next(_wallets)))
    chain_seen(invoice, invoice.amount_sat)
    order.refresh_from_db()
    return order


def refunded(order: Order) -> Refund:
    """The seller refunds the paid direct order in full; the refund confirms."""
    refund = do_start_refund(order, order.store.owner)
    RefundPayment.objects.create(refund=refund, txid=secrets.token_hex(32), vout=0,
                                 value_sat=refund.amount_sat, state=Payment.State.CONFIRMED,
                                 block_height=200, block_hash=secrets.token_hex(32))
    refund.refresh_from_db()
    apply_refund_state(refund, tip_height=205)
    refund.refresh_from_db()
    return refund


def released(order: Order, buyer: Account) -> Spend:
    """The buyer releases the escrow; the marketplace co-signs; the payout confirms."""
    escrow = Escrow.objects.select_related("order__store").get(order=order)
    spend = do_release(escrow, buyer.user)
    signed = factories.signed_by(factories.BUYER_SEED, escrow, spend)
    spend = do_sign(check_sign(escrow, buyer.user, spend=spend, psbt_text=signed))
    assert spend.status == Spend.Status.BROADCAST
    assert settlement._close(spend, 300)
    spend.refresh_from_db()
    return spend


def happened_at(order: Order, *, created: datetime | None = None, paid: datetime | None = None,
                settled: datetime | None = None) -> None:
    """Move the order's creation, its invoice's settlement, or its payout/refund
    confirmation to the given instants."""
    if created is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created)
    if paid is not None:
        Invoice.objects.filter(order=order, status=Invoice.Status.SETTLED).update(settled_at=paid)
    if settled is not None:
        Spend.objects.filter(escrow__order=order, status=Spend.Status.CONFIRMED).update(
            confirmed_at=settled)
        Refund.objects.filter(order=order, status=Refund.Status.CONFIRMED).update(
            confirmed_at=settled)
