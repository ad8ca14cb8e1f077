"""Shop-side helpers for the payment scenarios: a seller whose payout wallet is a real
tpub, an order placed through the real actions, an invoice, and a watcher on the node."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.test import override_settings

from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.cart.models import Cart, CartItem
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice
from cryptoshop.payments.watcher import Watcher
from tests.app.conftest import make_account
from tests.app.shop import listing, seller

log = logging.getLogger("cryptoshop.regtest.scenario")
SELLER_MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon "
                   "abandon abandon abandon about")


_accounts = iter(range(10_000))


def seller_tpub(account: int = 0) -> str:
    """The seller's BIP84 account key; each store in a test gets its own account (two
    stores can't share a wallet)."""
    root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
    path = f"m/84h/1h/{account}h"
    return key_origin(root, path) + account_xpub(root, path, REGTEST)


def rpc_settings(node: RegtestNode) -> override_settings:
    return override_settings(
        CHAIN_BACKEND="rpc", CHAIN_RPC_URL=f"http://127.0.0.1:{node.state.rpc_port}",
        CHAIN_RPC_USER=node.state.rpc_user, CHAIN_RPC_PASSWORD=node.state.rpc_password,
        CHAIN_RPC_COOKIE_FILE="", BITCOIN_NETWORK="regtest")


@dataclass
class Shop:
    node: RegtestNode
    watcher: Watcher
    order: Order
    invoice: Invoice

    def poll(self) -> None:
        result = self.watcher.poll()
        self.invoice.refresh_from_db()
        self.order.refresh_from_db()
        log.info("poll: tip %s, %d block(s), invoice %s %s (paid %d/%d, confirmed %d)",
                 result.tip_height, result.blocks, self.invoice.public_id, self.invoice.status,
                 self.invoice.paid_sat, self.invoice.amount_sat, self.invoice.confirmed_sat)

    def pay(self, amount_sat: int, *, rbf: bool = False) -> str:
        txid = self.node.fund(self.invoice.address, amount_sat)
        log.info("buyer pays %d sat in %s", amount_sat, txid)
        return txid

    def mine(self, blocks: int = 1) -> None:
        self.node.mine(blocks)
        log.info("mined %d block(s)", blocks)


def open_shop(node: RegtestNode, *, price_sat: int = 50_000, confirmations: int = 1,
              tolerance: str = "0", minutes: int = 15) -> Shop:
    """Seller with a tpub wallet, a buyer's order for one item, and its invoice."""
    cache.clear()  # rate-limit counters from earlier scenarios in this process
    _owner, store = seller(f"Regtest store {secrets.token_hex(4)}", shipping_sat=0)
    tpub = seller_tpub(next(_accounts))
    pay.do_set_payout(store, pay.PayoutInput(descriptor=tpub,
                                             required_confirmations=confirmations,
                                             invoice_minutes=minutes,
                                             tolerance_percent=Decimal(tolerance),
                                             mode="direct"))
    item = listing(store, price_sat=price_sat, kind="digital", digital_text="the goods")
    buyer = make_account()
    cart, _ = Cart.objects.get_or_create(user=buyer.user)
    CartItem.objects.create(cart=cart, listing=item, quantity=1)
    [order] = order_actions.do_checkout(buyer.user, cart, order_actions.CheckoutInput(
        shipping={}), client_ip="127.0.0.1")
    invoice = pay.do_create_invoice(order, buyer.user, client_ip="127.0.0.1")
    wallet = parse_wallet_descriptor(tpub, REGTEST)
    assert invoice.address == wallet.address(invoice.slot.index)
    log.info("invoice %s: %d sat to %s", invoice.public_id, invoice.amount_sat, invoice.address)
    return Shop(node=node, watcher=Watcher(node.rpc, "regtest"), order=order, invoice=invoice)
