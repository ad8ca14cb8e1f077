"""Steps of the refund scenarios: a direct shop whose buyer gave a refund address and paid,
the seller's wallet paying a refund (the harness wallet of the node stands in for it: the
marketplace holds no key), and what a transaction paid to an address on chain."""

from __future__ import annotations

from cryptoshop.btc.addresses import script_pubkey_to_address
from cryptoshop.btc.networks import REGTEST
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.notifications.models import Notification
from cryptoshop.payments import refunds
from cryptoshop.payments.models import Refund
from tests.regtest.node_steps import Shop, log, open_shop, refund_address


def paid_shop(node: RegtestNode, *, price_sat: int, pay_sat: int, settle: bool = True) -> Shop:
    """A direct order whose buyer gave a refund address (on the order page) and paid
    `pay_sat`; with `settle`, a block confirms it and the watcher sees it."""
    shop = open_shop(node, price_sat=price_sat)
    buyer = shop.order.buyer
    assert buyer is not None
    address = refund_address()
    refunds.do_set_order_refund_address(shop.order, buyer, address)
    log.info("buyer gives the refund address %s for order %s", address, shop.order.public_id)
    shop.pay(pay_sat)
    if settle:
        shop.mine(1)
        shop.poll()
    return shop


def seller_wallet_pays(node: RegtestNode, refund: Refund, amount_sat: int | None = None) -> str:
    """The seller pays the refund from their own wallet (the harness wallet stands in)."""
    amount = refund.due_sat if amount_sat is None else amount_sat
    txid = node.fund(refund.address, amount)
    log.info("seller's wallet sends %d sat to %s in %s", amount, refund.address, txid)
    return txid


def paid_to(node: RegtestNode, txid: str, address: str) -> int:
    """Sats the transaction pays to `address`."""
    tx = node.rpc.get_transaction(txid)
    return sum(o.value_sat for o in tx.outputs
               if script_pubkey_to_address(bytes.fromhex(o.script_pubkey), REGTEST) == address)


def poll_refund(shop: Shop, refund: Refund) -> None:
    shop.poll()
    refund.refresh_from_db()
    log.info("refund %s: %s, %d of %d sat seen, %d confirmed; order %s", refund.public_id,
             refund.status, refund.received_sat, refund.amount_sat, refund.confirmed_sat,
             shop.order.status)


def notices(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).select_related("user"))
