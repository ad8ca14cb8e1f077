"""Escrow rows for the app tier (no chain): an order between a buyer and a seller, its
escrow made directly from the deterministic test keys, and an awaiting release over a
made-up funding outpoint (the PSBT carries the witness UTXO, all the policy needs)."""

from __future__ import annotations

from typing import Any

import pytest

from cryptoshop.accounts.models import User
from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_seed
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import Outpoint, parse_psbt, serialize_psbt
from cryptoshop.cart.models import Cart, CartItem
from cryptoshop.escrow import planning
from cryptoshop.escrow.keys import marketplace_key
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from tests.app.conftest import Account, make_account
from tests.app.shop import listing, seller
from tests.escrow_keys import party
from tests.regtest.shop import seller_tpub

BUYER_SEED, SELLER_SEED = 1, 2
FUNDED_SAT = 150_000


def refund_address(seed: int = BUYER_SEED) -> str:
    root = root_from_seed(bytes([seed]) * 32, REGTEST)
    wallet = parse_wallet_descriptor(key_origin(root, "m/84h/1h/0h")
                                     + account_xpub(root, "m/84h/1h/0h", REGTEST), REGTEST)
    return wallet.address(0)


def make_order(buyer: User, store: Any) -> Order:
    item = listing(store, price_sat=FUNDED_SAT, kind="digital", digital_text="the goods")
    cart, _ = Cart.objects.get_or_create(user=buyer)
    CartItem.objects.create(cart=cart, listing=item, quantity=1)
    [order] = order_actions.do_checkout(buyer, cart, order_actions.CheckoutInput(shipping={}),
                                        client_ip="127.0.0.1")
    return order


def escrow_row(order: Order, status: str = Escrow.Status.AWAITING_PAYMENT) -> Escrow:
    """An escrow made directly in the DB from the deterministic test keys."""
    _, buyer_key = party(BUYER_SEED)
    _, seller_key = party(SELLER_SEED)
    market = marketplace_key().expression
    esc = btc_escrow.make_escrow(buyer_key, seller_key, market, REGTEST)
    index = Escrow.objects.count()
    return Escrow.objects.create(
        order=order, network="regtest", index=index, buyer_key=buyer_key,
        seller_key=seller_key, marketplace_key=market, descriptor=esc.descriptor_at(index),
        address=esc.address(index), script_pubkey=esc.script_pubkey(index).hex(),
        refund_address=refund_address(), fee_bps=100, fee_min_sat=1000,
        auto_release_days=14, status=status,
        funded_sat=FUNDED_SAT if status == Escrow.Status.FUNDED else 0)


def release_spend(escrow: Escrow) -> Spend:
    """An awaiting release over a made-up funding outpoint (no node: the PSBT carries the
    witness UTXO, which is all signing and the policy check need)."""
    esc = planning.escrow_script(escrow)
    payout = parse_wallet_descriptor(seller_tpub(41), REGTEST).script_pubkey(0)
    inputs = [btc_escrow.EscrowInput(Outpoint("ab" * 32, 0), FUNDED_SAT, escrow.index)]
    plan = btc_escrow.plan_spend(inputs, [], payout, 2)
    psbt = btc_escrow.create_psbt(esc, plan)
    return Spend.objects.create(escrow=escrow, kind=Spend.Kind.RELEASE, signer="buyer",
                                plan=planning.plan_to_json(plan, escrow.network),
                                psbt=serialize_psbt(psbt),
                                unsigned_txid=bytes(psbt.tx.txid()).hex(), fee_rate_sat_vb=2)


def signed_by(seed: int, escrow: Escrow, spend: Spend) -> str:
    root, _ = party(seed)
    psbt = parse_psbt(spend.psbt)
    btc_escrow.sign_psbt(planning.escrow_script(escrow), psbt, planning.plan_from_json(spend.plan), root)
    return serialize_psbt(psbt)


@pytest.fixture
def trio() -> tuple[Account, Account, Account, Order]:
    """Buyer A, seller B (with a store), stranger C, and A's order from B's store."""
    buyer = make_account()
    owner, store = seller(shipping_sat=0)
    stranger = make_account()
    return buyer, owner, stranger, make_order(buyer.user, store)
