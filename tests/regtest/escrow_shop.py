"""Shop-side helpers for the escrow scenarios: a seller and a buyer with escrow keys made
from phrases the test holds (as their browsers or wallets would), an escrow order paid on
the real node, and the watcher that sees it funded."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.test import override_settings
from embit import ec

from cryptoshop.accounts.models import User
from cryptoshop.btc.addresses import script_pubkey_to_address
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.escrow import escrow_account_path, estimate_spend_vsize
from cryptoshop.btc.keys import account_xpub, generate_mnemonic, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.cart.models import Cart, CartItem
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.escrow import planning, settlement
from cryptoshop.escrow.keys import do_register_key
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Invoice
from cryptoshop.payments.watcher import Watcher
from tests.app.conftest import enable_2fa, make_account
from tests.app.shop import listing, seller
from tests.regtest.shop import SELLER_MNEMONIC, log, seller_tpub

_accounts = iter(range(500, 10_000))


def fee_wallet() -> str:
    """The operator's watch-only fee wallet for the scenarios."""
    root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
    return key_origin(root, "m/84h/1h/999h") + account_xpub(root, "m/84h/1h/999h", REGTEST)


def escrow_settings(**extra: object) -> override_settings:
    values: dict[str, object] = {"ESCROW_FEE_WALLET": fee_wallet(), "ESCROW_FEE_PERCENT": "1",
                                 "ESCROW_FEE_MIN_SAT": 1000, "ESCROW_FEE_RATE_DEFAULT": 2}
    values.update(extra)
    return override_settings(**values)


def refund_address() -> str:
    """A fresh address of the buyer's own (single-key) wallet."""
    root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
    wallet = parse_wallet_descriptor(key_origin(root, "m/84h/1h/998h")
                                     + account_xpub(root, "m/84h/1h/998h", REGTEST), REGTEST)
    return wallet.address(next(_accounts))


def give_key(user: User) -> str:
    """A fresh phrase for ``user``; only its BIP48 xpub is registered (as the browser does)."""
    mnemonic = generate_mnemonic(12)
    root = root_from_mnemonic(mnemonic, REGTEST)
    path = escrow_account_path(REGTEST)
    do_register_key(user, key_origin(root, path) + account_xpub(root, path, REGTEST),
                    kind="browser")
    return mnemonic


@dataclass
class EscrowShop:
    node: RegtestNode
    watcher: Watcher
    order: Order
    invoice: Invoice
    escrow: Escrow
    buyer: User
    seller: User
    buyer_phrase: str
    seller_phrase: str
    payout_wallet: str

    def poll(self) -> None:
        self.watcher.poll()
        settlement.settle_broadcast_spends()
        self.refresh()

    def refresh(self) -> None:
        self.invoice.refresh_from_db()
        self.order.refresh_from_db()
        self.escrow.refresh_from_db()

    def mine(self, blocks: int = 1) -> None:
        self.node.mine(blocks)

    def paid_out(self, txid: str) -> dict[str, int]:
        """address -> sats of a transaction that is in a block of the node's best chain."""
        status = self.node.rpc.get_tx_status(txid)
        assert status.block_height is not None, "payout not mined"
        tx = self.node.rpc.get_transaction(txid)
        paid: dict[str, int] = {}
        for out in tx.outputs:
            address = script_pubkey_to_address(bytes.fromhex(out.script_pubkey), REGTEST)
            paid[address] = paid.get(address, 0) + out.value_sat
        return paid

    def spent_inputs(self, txid: str) -> set[str]:
        return {f"{i.prev_txid}:{i.prev_vout}" for i in self.node.rpc.get_transaction(txid).inputs}


def open_escrow_shop(node: RegtestNode, *, price_sat: int = 200_000,
                     auto_release_days: int = 14, fund: bool = True) -> EscrowShop:
    """Seller and buyer with escrow keys, an order from an escrow store, paid and confirmed."""
    cache.clear()
    owner_account, store = seller(f"Escrow store {secrets.token_hex(4)}", shipping_sat=0)
    owner = owner_account.user
    seller_phrase = give_key(owner)
    payout = seller_tpub(next(_accounts))
    pay.do_set_payout(store, pay.PayoutInput(descriptor=payout, required_confirmations=1,
                                             auto_release_days=auto_release_days))
    item = listing(store, price_sat=price_sat, kind="digital", digital_text="the goods")
    buyer = make_account().user
    buyer_phrase = give_key(buyer)
    cart, _ = Cart.objects.get_or_create(user=buyer)
    CartItem.objects.create(cart=cart, listing=item, quantity=1)
    [order] = order_actions.do_checkout(buyer, cart, order_actions.CheckoutInput(
        shipping={}), client_ip="127.0.0.1")
    refund = refund_address()
    invoice = pay.do_create_invoice(order, buyer, refund_address=refund, client_ip="127.0.0.1")
    escrow = Escrow.objects.get(order=order)
    assert invoice.address == escrow.address and invoice.slot is None
    log.info("escrow %s: %d sat to %s", escrow.public_id, invoice.amount_sat, escrow.address)
    shop = EscrowShop(node=node, watcher=Watcher(node.rpc, "regtest"), order=order,
                      invoice=invoice, escrow=escrow, buyer=buyer, seller=owner,
                      buyer_phrase=buyer_phrase, seller_phrase=seller_phrase,
                      payout_wallet=payout)
    if fund:
        node.fund(escrow.address, invoice.amount_sat)
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "funded", shop.escrow.status
        assert shop.order.status == "paid"
    return shop


# --- added for the refund / dispute / auto-release / tampering scenarios ----------------------

def network_fee(spend: Spend) -> int:
    """The network fee the plan must carry: the estimated vsize of the spend at its rate."""
    scripts = [bytes.fromhex(o["script"]) for o in spend.plan["outputs"]]
    return estimate_spend_vsize(len(spend.plan["inputs"]), scripts) * spend.fee_rate_sat_vb


def fee_address(escrow: Escrow) -> str:
    """The marketplace fee output's address for ``escrow``: one of the fee wallet's first
    receive addresses (taken in order when a payout with a fee is planned)."""
    escrow.refresh_from_db(fields=["fee_address"])
    assert escrow.fee_address in parse_wallet_descriptor(fee_wallet(), REGTEST).addresses(0, 200)
    return escrow.fee_address


def make_staff(*, two_factor: bool = True) -> User:
    """A staff account (an arbiter), with 2FA turned on through the real actions."""
    acct = make_account()
    User.objects.filter(pk=acct.user.pk).update(is_staff=True)
    acct.user.refresh_from_db()
    if two_factor:
        enable_2fa(acct)
    return acct.user


def party_key(phrase: str, escrow: Escrow, role: str) -> ec.PrivateKey:
    """``role``'s private key at the escrow's index, from that party's phrase (what their
    browser or wallet derives to sign)."""
    esc = planning.escrow_script(escrow)
    party = {k.role: k for k in esc.keys}[role]
    child = root_from_mnemonic(phrase, REGTEST).derive(party.derivation(escrow.index))
    assert child.get_public_key() == party.pubkey(escrow.index)
    key: ec.PrivateKey = child.key
    return key
