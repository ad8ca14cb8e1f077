"""Scenario: with push from the node on, a payment is seen without waiting for the poll.

The watcher runs as its own process (`manage.py worker`) polling only every 30 s, with
btcd's websocket notifications on. After its first polls it is idle; the buyer pays, and
the payment is recorded within a few seconds: only the node's push can explain that."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.payments.models import Invoice
from tests.regtest.node_steps import log, open_shop, rpc_settings, worker_env
from tests.regtest.push_steps import (
    last_poll_at,
    running_worker,
    wait_for_payment,
    wait_until,
)

pytestmark = [pytest.mark.regtest, pytest.mark.django_db(transaction=True)]
POLL_S = 30.0
# A third of the poll interval: a payment seen this soon was not seen by the poll.
PUSH_DEADLINE_S = POLL_S / 3


def test_push_from_btcd_wakes_the_watcher(btcd_node: RegtestNode, tmp_path: Path) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders an item and gets an invoice")
        shop = open_shop(btcd_node, price_sat=21_000, confirmations=1)
    log.info("The watcher starts as its own process: poll every %.0f s, push on", POLL_S)
    env = worker_env(btcd_node, CRYPTOSHOP_CHAIN_PUSH="on", CRYPTOSHOP_LOG_LEVEL="INFO")
    with running_worker(env, POLL_S, tmp_path) as worker:
        worker.wait_for_log("btcd push connected")
        log.info("Push connected to btcd's websocket; the watcher polled on connecting")
        wait_until(lambda: last_poll_at() > 0, 30)
        time.sleep(2.0)  # let the poll the connection woke finish: the watcher is idle now
        before = last_poll_at()
        log.info("Buyer pays %d sat", shop.invoice.amount_sat)
        shop.pay(shop.invoice.amount_sat)
        took = wait_for_payment(shop.invoice, PUSH_DEADLINE_S)
        log.info("The watcher recorded the payment %.2f s after the broadcast "
                 "(next poll was due %.0f s after the last one)", took, POLL_S)
        wait_until(lambda: last_poll_at() > before, 5)  # the poll the push woke ended
        # btcd's verbose notification carried the transaction: the poll took it as it
        # was instead of fetching it again.
        worker.wait_for_log("1 new mempool tx(s) (1 pushed)", timeout=5)
        log.info("The poll took the transaction from the notification, not from the node")
        log.info("A mined block is pushed too: the invoice settles without the poll")
        shop.mine(1)
        wait_until(lambda: _status(shop.invoice) == "settled", PUSH_DEADLINE_S)
        assert worker.count("push from") == 0  # never lost the connection


def _status(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return str(invoice.status)
