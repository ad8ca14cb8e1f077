"""Scenario: the watcher runs as its own process (`manage.py worker`) and is killed with
SIGKILL at random moments, at least 20 times, while 50 payments arrive and blocks are
mined. After the last restart every payment is counted exactly once and every invoice
settles exactly once."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.payments.models import Invoice, InvoiceEvent, Payment
from cryptoshop.payments.watcher import Watcher
from tests.regtest.node_steps import log, open_shop, rpc_settings, worker_env

pytestmark = [pytest.mark.regtest, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
PAYMENTS = 50
KILLS = 20


def _worker_env(node: RegtestNode) -> dict[str, str]:
    # A killed leader's lease runs out quickly, so the next worker takes over.
    return worker_env(node, CRYPTOSHOP_WATCHER_LEASE_SECONDS="1")


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "manage.py", "worker", "--poll", "0.05"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@override_settings(MAX_OPEN_INVOICES=1000, MAX_PENDING_ORDERS=1000,
                   RATE_LIMITS={"checkout:account": (1000, 60), "invoice:account": (1000, 60),
                                "invoice:ip": (1000, 60), "register:ip": (1000, 60),
                                "login:ip": (1000, 60), "totp:account": (5, 60),
                                "totp:ip": (5, 60), "report:ip": (5, 60)})
def test_sigkilled_watcher_counts_every_payment_once(btcd_node: RegtestNode) -> None:
    rng = random.Random(20261129)
    log.info("Mine a mature coin per payment")
    btcd_node.mine(PAYMENTS)  # one mature coinbase per payment, so none waits for change
    with rpc_settings(btcd_node):
        log.info("Fifty buyers each order an item and get an invoice")
        shops = [open_shop(btcd_node, price_sat=10_000 + i) for i in range(PAYMENTS)]
    env = _worker_env(btcd_node)
    log.info("The watcher starts as its own process")
    worker = _start(env)
    kills = 0
    try:
        log.info("Buyers pay one by one while the watcher is SIGKILLed every second payment")
        for i, shop in enumerate(shops):
            btcd_node.fund(shop.invoice.address, shop.invoice.amount_sat)
            if i % 7 == 6:
                btcd_node.mine(1)
            if i % 2 == 1:
                time.sleep(rng.uniform(0.0, 0.3))
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
                worker = _start(env)
        log.info("A block confirms the rest; the watcher is killed until 20 kills")
        btcd_node.mine(1)
        while kills < KILLS:
            time.sleep(rng.uniform(0.05, 0.3))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
            worker = _start(env)
        log.info("killed the watcher %d times; letting the last one catch up", kills)
        deadline = time.time() + 60
        while time.time() < deadline:
            if Invoice.objects.filter(status="settled").count() == PAYMENTS:
                break
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    log.info("Every payment is counted once and every invoice settles once")
    assert kills >= KILLS
    # One more in-process poll (after the last worker released its lease) must find
    # nothing left to change.
    with rpc_settings(btcd_node):
        result = Watcher(btcd_node.rpc, "regtest").poll()
    assert result.leader and result.changed_invoices == []
    assert Payment.objects.count() == PAYMENTS
    for shop in shops:
        invoice = Invoice.objects.get(pk=shop.invoice.pk)
        assert invoice.status == "settled", (invoice.public_id, list(
            invoice.payments.values("txid", "state", "block_height", "value_sat")),
            invoice.amount_sat)
        assert invoice.paid_sat == invoice.amount_sat and invoice.payments.count() == 1
        assert InvoiceEvent.objects.filter(invoice=invoice, kind="payment_confirmed").count() == 1
        shop.order.refresh_from_db()
        assert shop.order.status == "paid"
        assert shop.order.events.filter(to_status="paid").count() == 1
