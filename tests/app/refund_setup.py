"""Direct-mode orders with coins, for the refund tests (no node): the invoice is made by
the payments action, and its payment is recorded the way the watcher records one (a
Payment row in a block) before the invoice is recomputed with apply_state, which marks
the order paid through the orders action."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice, Payment
from tests import factories
from tests.factories import Account

_wallets = iter(range(700, 10_000))


@dataclass
class Paid:
    buyer: Account
    seller: Account
    stranger: Account
    order: Order
    invoice: Invoice


def chain_seen(invoice: Invoice, value_sat: int, *, height: int = 100) -> Invoice:
    """A confirmed payment of `value_sat` to the invoice, as the watcher would store it."""
    Payment.objects.create(invoice=invoice, txid=secrets.token_hex(32), vout=0,
                           value_sat=value_sat, state=Payment.State.CONFIRMED,
                           block_height=height, block_hash=secrets.token_hex(32))
    pay.apply_state(invoice, tip_height=height + 5)
    invoice.refresh_from_db()
    return invoice


def paid_direct_order(*, pay_sat: int | None = None, refund: str | None = None) -> Paid:
    """A buyer's order (one 150 000 sat digital item) from a direct-mode store, paid
    `pay_sat` (the amount due unless told). `refund`: the buyer's refund address (a fresh
    one unless told; "" for none)."""
    buyer, stranger = factories.make_account(), factories.make_account()
    seller, store = factories.seller(f"Direct {secrets.token_hex(3)}", shipping_sat=0)
    factories.payout(store, factories.seller_tpub(next(_wallets)), mode="direct")
    order = factories.make_order(buyer.user, store)
    address = factories.refund_address(next(_wallets)) if refund is None else refund
    invoice = factories.invoice(order, buyer.user, refund_address=address)
    chain_seen(invoice, invoice.amount_sat if pay_sat is None else pay_sat)
    order.refresh_from_db()
    return Paid(buyer, seller, stranger, order, invoice)
