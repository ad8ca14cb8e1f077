"""Scenario: the node restarts; the watcher's push connection drops, it reconnects with
backoff once the node is back, and a payment made after the restart is seen at once.

The watcher (`manage.py worker`) polls only every 30 s, so the payment after the restart
can be seen that soon only through the re-established push."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings, worker_env
from tests.regtest.push_steps import running_worker, wait_for_payment

pytestmark = [pytest.mark.regtest, pytest.mark.django_db(transaction=True)]
POLL_S = 30.0


def test_push_comes_back_after_the_node_restarts(btcd_node: RegtestNode,
                                                 tmp_path: Path) -> None:
    with rpc_settings(btcd_node):
        log.info("A buyer orders and gets an invoice")
        shop = open_shop(btcd_node, price_sat=44_000)
    env = worker_env(btcd_node, CRYPTOSHOP_CHAIN_PUSH="on", CRYPTOSHOP_LOG_LEVEL="INFO")
    with running_worker(env, POLL_S, tmp_path) as worker:
        worker.wait_for_log("btcd push connected")
        log.info("Push connected; the node restarts (same port and credentials)")
        btcd_node.restart()
        worker.wait_for_log("push from", timeout=30)
        log.info("The watcher saw the connection drop")
        worker.wait_for_log("btcd push connected", times=2, timeout=60)
        log.info("It reconnected to the restarted node; the buyer pays")
        shop.pay(shop.invoice.amount_sat)
        took = wait_for_payment(shop.invoice, POLL_S / 3)
        log.info("The payment was recorded %.2f s after the broadcast, well inside the "
                 "%.0f s poll interval", took, POLL_S)
