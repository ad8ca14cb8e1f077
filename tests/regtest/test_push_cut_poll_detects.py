"""Scenario: the push connection is cut and the poll still sees every payment; when the
connection is allowed again the watcher reconnects (with backoff) and push is back.

The watcher (`manage.py worker`, poll every 3 s, push on) talks to btcd through a relay
that can drop btcd's websocket while JSON-RPC keeps working, as a proxy or firewall
might."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings, worker_env
from tests.regtest.push_steps import running_worker, wait_for_payment
from tests.tcp_relay import Relay

pytestmark = [pytest.mark.regtest, pytest.mark.django_db(transaction=True)]
POLL_S = 3.0


def test_the_poll_covers_a_cut_push_connection(btcd_node: RegtestNode, tmp_path: Path) -> None:
    log.info("Mine a mature coin per payment")
    btcd_node.mine(3)
    with rpc_settings(btcd_node):
        log.info("Three buyers order and get invoices")
        shops = [open_shop(btcd_node, price_sat=30_000 + i) for i in range(3)]
    relay = Relay(btcd_node.state.rpc_port)
    env = worker_env(btcd_node, relay.port, CRYPTOSHOP_CHAIN_PUSH="on",
                     CRYPTOSHOP_LOG_LEVEL="INFO")
    log.info("The watcher starts behind a relay on port %d: poll every %.0f s, push on",
             relay.port, POLL_S)
    try:
        with running_worker(env, POLL_S, tmp_path) as worker:
            worker.wait_for_log("btcd push connected")
            log.info("Push connected; the first buyer pays")
            shops[0].pay(shops[0].invoice.amount_sat)
            log.info("seen after %.2f s", wait_for_payment(shops[0].invoice, 30))

            log.info("The relay cuts the websocket and refuses new ones")
            relay.cut_websocket()
            worker.wait_for_log("push from", timeout=30)
            log.info("The watcher noticed: %s", worker.tail().splitlines()[-1])
            shops[1].pay(shops[1].invoice.amount_sat)
            took = wait_for_payment(shops[1].invoice, 10 * POLL_S)
            log.info("Without push the poll saw the second payment after %.2f s", took)
            assert worker.count("btcd push connected") == 1  # still cut

            log.info("The relay lets websockets through again")
            relay.restore_websocket()
            worker.wait_for_log("btcd push connected", times=2, timeout=90)
            log.info("Push reconnected; the third buyer pays")
            shops[2].pay(shops[2].invoice.amount_sat)
            log.info("seen after %.2f s", wait_for_payment(shops[2].invoice, 30))
    finally:
        relay.close()
