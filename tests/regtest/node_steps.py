"""The regtest scenarios' steps against a real node: the shop's settings for the node, a
shop whose invoice (direct or escrow) is paid on the node and seen by the watcher, and the
chain-side checks (what a payout paid, the fee it must carry, a party's key at the index).

The marketplace data itself (accounts, stores, orders, invoices) comes from
tests/factories.py, through the domain actions. Steps narrate with ``log.info``: run with
``-o log_cli=true`` to watch a scenario, and they are in the captured log of a failure."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from embit import ec

from cryptoshop.accounts.models import User
from cryptoshop.btc.addresses import script_pubkey_to_address
from cryptoshop.btc.descriptors import parse_wallet_descriptor
from cryptoshop.btc.escrow import escrow_account_path, estimate_spend_vsize
from cryptoshop.btc.keys import account_xpub, generate_mnemonic, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.escrow import planning, settlement
from cryptoshop.escrow.keys import do_register_key
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.orders.models import Order
from cryptoshop.payments.models import Invoice
from cryptoshop.payments.watcher import PollResult, Watcher
from tests import factories
from tests.factories import SELLER_MNEMONIC, seller_tpub

log = logging.getLogger("cryptoshop.regtest.scenario")
SIGNER = Path(__file__).with_name("external_signer.py")

_wallets = iter(range(10_000))  # BIP84 accounts of SELLER_MNEMONIC, one per store
_escrow_wallets = iter(range(500, 10_000))
_refunds = iter(range(1, 10_000))


def rpc_settings(node: RegtestNode) -> override_settings:
    """The shop's chain backend pointed at ``node``."""
    return override_settings(
        CHAIN_BACKEND="rpc", CHAIN_RPC_URL=f"http://127.0.0.1:{node.state.rpc_port}",
        CHAIN_RPC_USER=node.state.rpc_user, CHAIN_RPC_PASSWORD=node.state.rpc_password,
        CHAIN_RPC_COOKIE_FILE="", BITCOIN_NETWORK="regtest")


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
    return factories.refund_address(next(_refunds))


def give_key(user: User) -> str:
    """A fresh phrase for ``user``; only its BIP48 xpub is registered (as the browser does)."""
    mnemonic = generate_mnemonic(12)
    root = root_from_mnemonic(mnemonic, REGTEST)
    path = escrow_account_path(REGTEST)
    do_register_key(user, key_origin(root, path) + account_xpub(root, path, REGTEST),
                    kind="browser")
    return mnemonic


def worker_env(node: RegtestNode, rpc_port: int | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `manage.py worker` on this test's database and ``node`` (or a
    relay in front of it at ``rpc_port``); ``extra`` settings on top."""
    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["CRYPTOSHOP_SQLITE_PATH"] = str(db["NAME"])
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = (f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:"
                               f"{db['PORT']}/{db['NAME']}")
    env.update({
        "CRYPTOSHOP_CHAIN_BACKEND": "rpc", "CRYPTOSHOP_NETWORK": "regtest",
        "CRYPTOSHOP_RPC_URL": f"http://127.0.0.1:{rpc_port or node.state.rpc_port}",
        "CRYPTOSHOP_RPC_USER": node.state.rpc_user,
        "CRYPTOSHOP_RPC_PASSWORD": node.state.rpc_password,
        "CRYPTOSHOP_FIXED_RATES": "USD:65000", "CRYPTOSHOP_LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env



# --- a direct-payment shop ------------------------------------------------------------------

@dataclass
class Shop:
    node: RegtestNode
    watcher: Watcher
    order: Order
    invoice: Invoice

    def poll(self) -> PollResult:
        result = self.watcher.poll()
        self.invoice.refresh_from_db()
        self.order.refresh_from_db()
        log.info("poll: tip %s, %d block(s), invoice %s %s (paid %d/%d, confirmed %d)",
                 result.tip_height, result.blocks, self.invoice.public_id, self.invoice.status,
                 self.invoice.paid_sat, self.invoice.amount_sat, self.invoice.confirmed_sat)
        return result

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
    _owner, store = factories.seller(f"Regtest store {secrets.token_hex(4)}", shipping_sat=0)
    tpub = seller_tpub(next(_wallets))
    factories.payout(store, tpub, confirmations=confirmations, minutes=minutes,
                     tolerance=tolerance)
    buyer = factories.make_account().user
    order = factories.make_order(buyer, store, price_sat=price_sat)
    invoice = factories.invoice(order, buyer)
    wallet = parse_wallet_descriptor(tpub, REGTEST)
    assert invoice.slot is not None and invoice.address == wallet.address(invoice.slot.index)
    log.info("invoice %s: %d sat to %s", invoice.public_id, invoice.amount_sat, invoice.address)
    return Shop(node=node, watcher=Watcher(node.rpc, "regtest"), order=order, invoice=invoice)


# --- an escrow shop ---------------------------------------------------------------------------

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
        log.info("poll: escrow %s %s (funded %d), order %s", self.escrow.public_id,
                 self.escrow.status, self.escrow.funded_sat, self.order.status)

    def refresh(self) -> None:
        self.invoice.refresh_from_db()
        self.order.refresh_from_db()
        self.escrow.refresh_from_db()

    def mine(self, blocks: int = 1) -> None:
        self.node.mine(blocks)
        log.info("mined %d block(s)", blocks)

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
    owner_account, store = factories.seller(f"Escrow store {secrets.token_hex(4)}",
                                            shipping_sat=0)
    owner = owner_account.user
    seller_phrase = give_key(owner)
    payout = seller_tpub(next(_escrow_wallets))
    factories.payout(store, payout, mode="escrow", auto_release_days=auto_release_days)
    buyer = factories.make_account().user
    buyer_phrase = give_key(buyer)
    order = factories.make_order(buyer, store, price_sat=price_sat)
    invoice = factories.invoice(order, buyer, refund_address=refund_address())
    escrow = Escrow.objects.get(order=order)
    assert invoice.address == escrow.address and invoice.slot is None
    log.info("escrow %s: %d sat to %s", escrow.public_id, invoice.amount_sat, escrow.address)
    shop = EscrowShop(node=node, watcher=Watcher(node.rpc, "regtest"), order=order,
                      invoice=invoice, escrow=escrow, buyer=buyer, seller=owner,
                      buyer_phrase=buyer_phrase, seller_phrase=seller_phrase,
                      payout_wallet=payout)
    if fund:
        log.info("buyer pays %d sat into the escrow address", invoice.amount_sat)
        node.fund(escrow.address, invoice.amount_sat)
        shop.mine(1)
        shop.poll()
        assert shop.escrow.status == "funded", shop.escrow.status
        assert shop.order.status == "paid"
    return shop


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


def party_key(phrase: str, escrow: Escrow, role: str) -> ec.PrivateKey:
    """``role``'s private key at the escrow's index, from that party's phrase (what their
    browser or wallet derives to sign)."""
    esc = planning.escrow_script(escrow)
    party = {k.role: k for k in esc.keys}[role]
    child = root_from_mnemonic(phrase, REGTEST).derive(party.derivation(escrow.index))
    assert child.get_public_key() == party.pubkey(escrow.index)
    key: ec.PrivateKey = child.key
    return key


def wallet_signs(phrase: str, source: Path, target: Path) -> str:
    """The external wallet, in its own process: the phrase on stdin, files as arguments."""
    python = Path(settings.BASE_DIR) / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python if python.exists() else sys.executable), "-I", str(SIGNER), str(source),
         str(target)], input=phrase + "\n", capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ.get("PATH", "")}, cwd=source.parent, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout
