"""Scenario: the payment API on a real node — an address for an order, the transactions
seen to it, confirmations of a txid (tip - height + 1), the watcher's status."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, open_shop, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def test_payment_endpoints(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        log.info("Buyer orders a 33 000 sat item and has its invoice")
        shop = open_shop(btcd_node, price_sat=33_000)
        buyer = shop.order.buyer
        from cryptoshop.accounts.sessions import create_api_session

        auth = {"Authorization": f"Bearer {create_api_session(buyer)}"}
        client = Client()
        log.info("Buyer asks the API for the payment address")
        answer = client.post("/api/bitcoin/address", data={"orderId": shop.order.public_id},
                             content_type="application/json", headers=auth)
        assert answer.status_code == 200  # the open invoice from open_shop
        data = answer.json()["data"]
        assert data["address"] == shop.invoice.address and data["amountSat"] == 33_000
        assert data["bip21"].startswith(f"bitcoin:{shop.invoice.address}?amount=0.00033")
        assert data["qrSvg"].startswith("<svg")
        log.info("Buyer pays the exact amount")
        txid = shop.pay(33_000)
        shop.poll()
        log.info("The API lists the unconfirmed transaction")
        seen = client.get(f"/api/bitcoin/transactions?address={shop.invoice.address}",
                          headers=auth).json()["data"]
        assert [(t["txid"], t["valueSat"], t["confirmations"]) for t in seen] == [
            (txid, 33_000, 0)]
        conf = client.get(f"/api/blockchain/confirmations?txid={txid}", headers=auth).json()
        assert conf["data"]["inMempool"] is True and conf["data"]["confirmations"] == 0
        log.info("Three blocks confirm it")
        shop.mine(3)
        shop.poll()
        conf = client.get(f"/api/blockchain/confirmations?txid={txid}", headers=auth).json()
        tip = btcd_node.rpc.get_tip().height
        assert conf["data"]["confirmations"] == tip - conf["data"]["blockHeight"] + 1 == 3
        log.info("Bad and unknown txids are refused")
        bad = client.get("/api/blockchain/confirmations?txid=xyz", headers=auth)
        assert bad.status_code == 400
        missing = client.get("/api/blockchain/confirmations?txid=" + "ab" * 32, headers=auth)
        assert missing.status_code == 404
        log.info("The monitor shows the watcher at the tip; the order is paid")
        monitor = client.get("/api/blockchain/monitor").json()["data"]
        assert monitor["tipHeight"] == tip and monitor["lagBlocks"] == 0
        order = client.get(f"/api/orders/{shop.order.public_id}", headers=auth).json()["data"]
        assert order["status"] == "paid" and order["payment"]["status"] == "settled"
        # Someone else's address shows nothing.
        from tests.factories import make_account

        log.info("A stranger sees nothing of the buyer's address")
        stranger = make_account()
        other = client.get(f"/api/bitcoin/transactions?address={shop.invoice.address}",
                           headers={"Authorization": f"Bearer {stranger.token}"}).json()
        assert other["data"] == []
