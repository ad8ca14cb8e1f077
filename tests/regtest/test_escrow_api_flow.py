"""Scenario: escrow through the JSON API only. Buyer and seller register the xpubs of
phrases they hold (POST /api/escrow/keys), the buyer orders (POST /api/orders) and opens
the escrow (POST /api/escrow), the node pays it, the buyer asks for the release PSBT, signs
it in their own "wallet" (here: the test) and posts it back; the marketplace co-signs and
broadcasts. A replay answers the same txid; once mined the escrow is released and the
order completed. No phrase ever crosses the API."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from cryptoshop.btc import escrow as btc_escrow
from cryptoshop.btc.addresses import script_pubkey_to_address
from cryptoshop.btc.escrow import escrow_account_path
from cryptoshop.btc.keys import account_xpub, generate_mnemonic, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.btc.psbt import parse_psbt, serialize_psbt
from cryptoshop.chain.regtest import RegtestNode
from cryptoshop.escrow import planning, settlement
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.payments import actions as pay
from cryptoshop.payments.watcher import Watcher
from tests.factories import Account, listing, make_account, seller, seller_tpub
from tests.regtest.node_steps import escrow_settings, log, refund_address, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def _auth(acct: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {acct.token}"}


def _post(client: Client, url: str, acct: Account, body: object = None) -> Any:
    return client.post(url, data=body if body is not None else {},
                       content_type="application/json", headers=_auth(acct))


def _register_key(client: Client, acct: Account) -> str:
    """A phrase the test keeps (as a wallet would); only its BIP48 xpub is sent."""
    phrase = generate_mnemonic(12)
    root = root_from_mnemonic(phrase, REGTEST)
    path = escrow_account_path(REGTEST)
    expression = key_origin(root, path) + account_xpub(root, path, REGTEST)
    answer = _post(client, "/api/escrow/keys", acct, {"key": expression, "kind": "external"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["data"]["key"] == expression
    return phrase


def test_escrow_release_through_the_api(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node), escrow_settings():
        cache.clear()
        client = Client()
        log.info("Seller and buyer register escrow keys over the API; the seller sets a payout wallet")
        owner, store = seller(f"API escrow {secrets.token_hex(4)}", shipping_sat=0)
        buyer = make_account()
        _register_key(client, owner)
        buyer_phrase = _register_key(client, buyer)
        # The seller's payout wallet (escrow mode is the default).
        pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(900),
                                                 required_confirmations=1))
        item = listing(store, price_sat=120_000, kind="digital", digital_text="the goods")

        log.info("Buyer orders a 120 000 sat item over the API")
        placed = _post(client, "/api/orders", buyer,
                       {"items": [{"productId": item.public_id, "quantity": 1}]})
        assert placed.status_code == 201, placed.content
        order_id = placed.json()["data"]["orders"][0]["id"]

        log.info("Buyer opens the escrow over the API")
        refund = refund_address()
        opened = _post(client, "/api/escrow", buyer, {"orderId": order_id,
                                                      "refundAddress": refund})
        assert opened.status_code == 201, opened.content
        escrow = opened.json()["data"]
        eid, amount = escrow["id"], escrow["amountSat"]
        assert amount == 120_000 and escrow["status"] == "awaiting_payment"
        assert escrow["address"].startswith("bcrt1q") and escrow["refundAddress"] == refund
        assert escrow["descriptor"].startswith("wsh(sortedmulti(2,")
        seen_by_seller = client.get(f"/api/escrow/{eid}/descriptor",
                                    headers=_auth(owner)).json()["data"]
        assert seen_by_seller["address"] == escrow["address"]
        log.info("escrow %s via the API: %d sat to %s", eid, amount, escrow["address"])

        # The buyer pays; one confirmation funds the escrow.
        log.info("Buyer pays the exact amount; one confirmation funds the escrow")
        watcher = Watcher(btcd_node.rpc, "regtest")
        funding_txid = btcd_node.fund(escrow["address"], amount)
        btcd_node.mine(1)
        watcher.poll()
        settlement.settle_broadcast_spends()
        funded = client.get(f"/api/escrow/{eid}", headers=_auth(buyer)).json()["data"]
        assert funded["status"] == "funded" and funded["fundedSat"] == amount
        assert client.get(f"/api/orders/{order_id}", headers=_auth(buyer)).json()[
            "data"]["status"] == "paid"

        # Step 1: the release transaction to sign.
        log.info("Buyer asks for the release PSBT")
        prepared = _post(client, f"/api/escrow/{eid}/release", buyer)
        assert prepared.status_code == 200, prepared.content
        spend = prepared.json()["data"]
        assert spend["kind"] == "release" and spend["status"] == "awaiting"
        assert spend["signer"] == "buyer" and spend["canSign"] is True
        assert spend["psbt"] and spend["txid"] is None
        assert sum(o["valueSat"] for o in spend["outputs"]) + spend["feeSat"] == amount
        as_file = client.get(f"/api/escrow/{eid}/psbt?format=file", headers=_auth(buyer))
        assert as_file.status_code == 200
        assert as_file.content == base64.b64decode(spend["psbt"])

        # The buyer's wallet checks the PSBT against the plan and signs it.
        log.info("Buyer's wallet checks the PSBT against the plan and signs it")
        row = Escrow.objects.get(public_id=eid)
        plan = planning.plan_from_json(Spend.objects.get(pk=spend["id"]).plan)
        psbt = parse_psbt(spend["psbt"])
        added = btc_escrow.sign_psbt(planning.escrow_script(row), psbt, plan,
                                     root_from_mnemonic(buyer_phrase, REGTEST))
        assert added == len(plan.inputs)
        signed = serialize_psbt(psbt)

        # Step 2: the signed PSBT back; co-signed and broadcast.
        log.info("The signed PSBT goes back: co-signed and broadcast; a replay answers the same")
        sent = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": signed})
        assert sent.status_code == 200, sent.content
        done = sent.json()["data"]
        assert done["status"] == "broadcast" and len(done["txid"]) == 64
        txid = done["txid"]
        replay = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": signed})
        assert replay.status_code == 200 and replay.json()["data"]["txid"] == txid
        assert client.get(f"/api/escrow/{eid}", headers=_auth(owner)).json()[
            "data"]["status"] == "settling"

        log.info("A block confirms the release")
        btcd_node.mine(1)
        watcher.poll()
        settlement.settle_broadcast_spends()
        log.info("release %s confirmed", txid)
        final = client.get(f"/api/escrow/{eid}", headers=_auth(buyer)).json()["data"]
        assert final["status"] == "released" and final["closedAt"] is not None
        [paid_out] = [s for s in final["spends"] if s["txid"] == txid]
        assert paid_out["status"] == "confirmed" and paid_out["psbt"] is None
        assert [e["kind"] for e in final["events"]] == [
            "opened", "funded", "release_prepared", "release_signed", "broadcast",
            "payout_confirmed"]
        order = client.get(f"/api/orders/{order_id}", headers=_auth(buyer)).json()["data"]
        assert order["status"] == "completed"
        # On chain: the escrow's coin is spent to exactly the outputs the API showed.
        tx = btcd_node.rpc.get_transaction(txid)
        assert {f"{i.prev_txid}:{i.prev_vout}" for i in tx.inputs} == {
            f"{funding_txid}:{i.outpoint.vout}" for i in plan.inputs}
        on_chain = sorted((script_pubkey_to_address(bytes.fromhex(o.script_pubkey), REGTEST),
                           o.value_sat) for o in tx.outputs)
        assert on_chain == sorted((o["address"], o["valueSat"]) for o in spend["outputs"])
        assert final["payoutAddress"] in {address for address, _ in on_chain}
