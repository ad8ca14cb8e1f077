"""/api/escrow signing and opening without a chain: a PSBT signed by the buyer is co-signed
once (the broadcast is retried later by the settle job, so no node is needed to check the
policy); an escrow is opened through the invoice; a direct store or no chain is a clear
error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.escrow.keys import do_register_key
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.payments import actions as pay
from tests.app.escrow_api_client import get as _get
from tests.app.escrow_api_client import post as _post
from tests.escrow_keys import party
from tests.factories import (
    BUYER_SEED,
    FUNDED_SAT,
    SELLER_SEED,
    make_account,
    make_order,
    refund_address,
    release_spend,
    seller,
    seller_tpub,
    signed_by,
)
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db



# --- signing over the API -------------------------------------------------------------------------

def test_release_with_a_signed_psbt_is_cosigned_once(client: Client,
                                                     trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    eid = escrow.public_id
    # Signed by the wrong party: refused, nothing broadcast.
    by_seller = signed_by(SELLER_SEED, escrow, spend)
    wrong = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": by_seller})
    assert wrong.status_code == 400 and "psbt" in wrong.json()["details"]
    unsigned = _post(client, f"/api/escrow/{eid}/psbt", buyer, {"psbt": spend.psbt})
    assert unsigned.status_code == 400 and "psbt" in unsigned.json()["details"]
    garbage = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": "bm90IGEgcHNidA=="})
    assert garbage.status_code == 400 and "psbt" in garbage.json()["details"]
    # The seller can't sign the buyer's release, even with a valid signature of theirs.
    seller_upload = _post(client, f"/api/escrow/{eid}/psbt", owner, {"psbt": by_seller})
    assert seller_upload.status_code == 409
    # Never a phrase over the API.
    phrase = _post(client, f"/api/escrow/{eid}/release", buyer,
                   {"phrase": "abandon " * 11 + "about"})
    assert phrase.status_code == 400 and "phrase" in phrase.json()["details"]
    assert Spend.objects.get(pk=spend.pk).status == "awaiting"
    signed = signed_by(BUYER_SEED, escrow, spend)
    # "Prepare again" and a signed PSBT in one request: which one was meant? Refused.
    both = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": signed, "fresh": True})
    assert both.status_code == 400 and "fresh" in both.json()["details"]
    assert Spend.objects.get(pk=spend.pk).status == "awaiting"

    done = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": signed})
    assert done.status_code == 200, done.content
    data = done.json()["data"]
    assert data["status"] == "broadcast" and len(data["txid"]) == 64 and data["psbt"] is None
    # A replay answers the same transaction, through either endpoint.
    again = _post(client, f"/api/escrow/{eid}/release", buyer, {"psbt": signed})
    assert again.status_code == 200 and again.json()["data"]["txid"] == data["txid"]
    upload = _post(client, f"/api/escrow/{eid}/psbt", buyer, {"psbt": signed})
    assert upload.status_code == 200 and upload.json()["data"]["txid"] == data["txid"]
    assert _post(client, f"/api/escrow/{eid}/release", buyer).json()["data"]["txid"] == \
        data["txid"]
    assert Spend.objects.filter(escrow=escrow).exclude(txid="").count() == 1
    view = _get(client, f"/api/escrow/{eid}", owner).json()["data"]
    assert view["status"] == "settling"
    kinds = [e["kind"] for e in view["events"]]
    # The refused uploads are on the trail; no node here, so the broadcast is retried by
    # the settle job.
    assert kinds[:2] == ["opened", "signature_refused"]
    assert kinds[-2:] == ["release_signed", "broadcast_retry"]
    assert next(e for e in view["events"] if e["kind"] == "release_signed")["txid"] == \
        data["txid"]
    # Paid out: no dispute any more, nor a refund.
    late = _post(client, f"/api/escrow/{eid}/dispute", buyer, {"reason": "Changed my mind."})
    assert late.status_code == 409
    assert _post(client, f"/api/escrow/{eid}/refund", owner).status_code == 409




# --- opening --------------------------------------------------------------------------------------

def test_open_escrow_through_the_invoice(client: Client, settings: Any) -> None:
    # A node is configured (nothing listens there): invoices are made, the watcher would
    # catch up once the node answers.
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    buyer = make_account()
    owner, store = seller(shipping_sat=0)
    do_register_key(owner.user, party(SELLER_SEED)[1], kind="external")
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(42)))
    order = make_order(buyer.user, store)
    no_key = _post(client, "/api/escrow", buyer,
                   {"orderId": order.public_id, "refundAddress": refund_address()})
    assert no_key.status_code == 400 and no_key.json()["error"] == "escrow_key_required"
    do_register_key(buyer.user, party(BUYER_SEED)[1], kind="external")
    no_refund = _post(client, "/api/escrow", buyer, {"orderId": order.public_id})
    assert no_refund.status_code == 400 and "refundAddress" in no_refund.json()["details"]
    stranger = make_account()
    assert _post(client, "/api/escrow", stranger,
                 {"orderId": order.public_id, "refundAddress": refund_address()}
                 ).status_code == 404
    opened = _post(client, "/api/escrow", buyer,
                   {"orderId": order.public_id, "refundAddress": refund_address()})
    assert opened.status_code == 201, opened.content
    data = opened.json()["data"]
    escrow = Escrow.objects.get(order=order)
    assert data["id"] == escrow.public_id and data["status"] == "awaiting_payment"
    assert data["role"] == "buyer" and data["amountSat"] == FUNDED_SAT
    assert data["address"].startswith("bcrt1q") and data["address"] == escrow.address
    assert data["descriptor"] == escrow.descriptor and "#" in data["descriptor"]
    assert data["refundAddress"] == refund_address()
    assert data["payment"]["address"] == escrow.address
    assert data["payment"]["amountSat"] == FUNDED_SAT
    assert data["buyerKey"] == party(BUYER_SEED)[1]
    again = _post(client, "/api/escrow", buyer,
                  {"orderId": order.public_id, "refundAddress": refund_address()})
    assert again.status_code == 200 and again.json()["data"]["id"] == escrow.public_id
    assert data["sellerKey"].endswith(party(SELLER_SEED)[1].split("]")[1])
    assert _get(client, "/api/escrow/keys/me", buyer).json()["data"]["openEscrows"] == 1


def test_direct_store_and_no_chain_are_clear_errors(client: Client) -> None:
    buyer = make_account()
    _owner, store = seller(shipping_sat=0)
    pay.do_set_payout(store, pay.PayoutInput(descriptor=seller_tpub(43), mode="direct"))
    order = make_order(buyer.user, store)
    direct = _post(client, "/api/escrow", buyer,
                   {"orderId": order.public_id, "refundAddress": refund_address()})
    assert direct.status_code == 409
    assert direct.json()["error"] == "direct_payments"
    assert "direct payments" in direct.json()["message"]
    # An escrow store, but no chain backend (the app tier's CHAIN_BACKEND=none).
    owner2, store2 = seller("Escrow Co", shipping_sat=0)
    do_register_key(owner2.user, party(SELLER_SEED)[1], kind="external")
    pay.do_set_payout(store2, pay.PayoutInput(descriptor=seller_tpub(44)))
    do_register_key(buyer.user, party(BUYER_SEED)[1], kind="external")
    order2 = make_order(buyer.user, store2)
    off = _post(client, "/api/escrow", buyer,
                {"orderId": order2.public_id, "refundAddress": refund_address()})
    assert off.status_code == 400 and off.json()["error"] == "payments_unavailable"
    assert not Escrow.objects.filter(order=order2).exists()
    bad = _post(client, "/api/escrow", buyer, {"refundAddress": refund_address()})
    assert bad.status_code == 400 and "orderId" in bad.json()["details"]
