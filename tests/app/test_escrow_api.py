"""/api/escrow without a chain: key registration, listing, who may see and do what (404,
never 403), opening through the invoice, disputes, and signing a PSBT over the API (the
broadcast is retried later by the settle job, so no node is needed to check the policy)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from cryptoshop.accounts.models import User
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_seed
from cryptoshop.btc.networks import MAINNET
from cryptoshop.escrow.keys import do_register_key, marketplace_key
from cryptoshop.escrow.models import Escrow, Spend
from cryptoshop.payments import actions as pay
from tests.escrow_keys import party
from tests.factories import (
    BUYER_SEED,
    FUNDED_SAT,
    SELLER_SEED,
    Account,
    enable_2fa,
    make_account,
    make_order,
    refund_address,
    release_spend,
    seller,
    seller_tpub,
    signed_by,
    trio,
)
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db

__all__ = ["trio"]  # the fixture, used by name


def _auth(acct: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {acct.token}"}


def _post(client: Client, url: str, acct: Account | None, body: object = None) -> Any:
    return client.post(url, data=body if body is not None else {},
                       content_type="application/json",
                       headers=_auth(acct) if acct is not None else {})


def _get(client: Client, url: str, acct: Account | None) -> Any:
    return client.get(url, headers=_auth(acct) if acct is not None else {})


# --- keys -----------------------------------------------------------------------------------------

def test_register_key_accepts_a_tpub_with_origin_and_refuses_the_rest(client: Client) -> None:
    acct = make_account()
    missing = _get(client, "/api/escrow/keys/me", acct)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    _, expression = party(7)
    made = _post(client, "/api/escrow/keys", acct, {"key": expression, "kind": "external"})
    assert made.status_code == 201, made.content
    data = made.json()["data"]
    assert data["key"] == expression and data["kind"] == "external"
    assert data["network"] == "regtest" and data["backup"] is None
    assert data["openEscrows"] == 0
    me = _get(client, "/api/escrow/keys/me", acct).json()["data"]
    assert me["key"] == expression
    # Replacing: 200, and a browser key keeps its encrypted backup.
    _, other = party(8)
    backup = '{"v": 1, "ct": "abcd"}'
    replaced = _post(client, "/api/escrow/keys", acct,
                     {"key": other, "kind": "browser", "backup": backup})
    assert replaced.status_code == 200 and replaced.json()["data"]["backup"] == backup

    mainnet_root = root_from_seed(b"\x09" * 32, MAINNET)
    path = "m/48h/0h/0h/2h"
    xpub = key_origin(mainnet_root, path) + account_xpub(mainnet_root, path, MAINNET)
    refused = _post(client, "/api/escrow/keys", acct, {"key": xpub, "kind": "external"})
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert body["success"] is False and body["error"] == "validation_error"
    assert "key" in body["details"] and "mainnet" in body["details"]["key"][0]

    for junk in ("hello", "[zzzz]tpub123", "x" * 500, ""):
        bad = _post(client, "/api/escrow/keys", acct, {"key": junk, "kind": "external"})
        assert bad.status_code == 400, (junk, bad.content)
        assert "key" in bad.json()["details"]
    wrong_kind = _post(client, "/api/escrow/keys", acct, {"key": expression, "kind": "server"})
    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.json()["details"]
    bad_backup = _post(client, "/api/escrow/keys", acct,
                       {"key": expression, "kind": "browser", "backup": "not json"})
    assert bad_backup.status_code == 400 and "backup" in bad_backup.json()["details"]
    # A phrase is never accepted over the API.
    phrase = _post(client, "/api/escrow/keys", acct,
                   {"key": expression, "kind": "external", "phrase": "abandon " * 11 + "about"})
    assert phrase.status_code == 400 and "phrase" in phrase.json()["details"]
    # The marketplace's own key is refused.
    market = _post(client, "/api/escrow/keys", acct,
                   {"key": marketplace_key().expression, "kind": "external"})
    assert market.status_code == 400 and "key" in market.json()["details"]
    assert _get(client, "/api/escrow/keys/me", acct).json()["data"]["key"] == other


def test_unauthenticated_is_401(client: Client, trio: tuple[Any, ...]) -> None:
    order = trio[3]
    escrow = escrow_row(order)
    for response in (_get(client, "/api/escrow", None),
                     _get(client, f"/api/escrow/{escrow.public_id}", None),
                     _get(client, "/api/escrow/keys/me", None),
                     _post(client, "/api/escrow/keys", None, {"key": "x", "kind": "external"}),
                     _post(client, "/api/escrow", None, {"orderId": order.public_id}),
                     _post(client, f"/api/escrow/{escrow.public_id}/release", None)):
        assert response.status_code == 401, response.content
        assert response.json()["error"] == "not_authenticated"


# --- lists ----------------------------------------------------------------------------------------

def test_list_is_empty_for_a_new_user_and_shows_each_side(client: Client,
                                                           trio: tuple[Any, ...]) -> None:
    buyer, owner, stranger, order = trio
    empty = _get(client, "/api/escrow", stranger).json()
    assert empty == {"success": True, "data": [],
                     "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 1}}
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    mine = _get(client, "/api/escrow", buyer).json()
    assert [(e["id"], e["role"], e["status"]) for e in mine["data"]] == [
        (escrow.public_id, "buyer", "funded")]
    assert mine["data"][0]["orderId"] == order.public_id
    theirs = _get(client, "/api/escrow?role=seller", owner).json()["data"]
    assert [e["role"] for e in theirs] == ["seller"]
    assert _get(client, "/api/escrow?role=buyer", owner).json()["data"] == []
    assert _get(client, "/api/escrow?status=released", buyer).json()["data"] == []
    assert len(_get(client, "/api/escrow?status=funded&limit=5", buyer).json()["data"]) == 1
    bad = _get(client, "/api/escrow?status=nope", buyer)
    assert bad.status_code == 400 and "status" in bad.json()["details"]
    assert _get(client, "/api/escrow", stranger).json()["data"] == []


# --- who may see and do what ----------------------------------------------------------------------

def test_only_the_parties_see_the_escrow(client: Client, trio: tuple[Any, ...]) -> None:
    buyer, owner, stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    eid = escrow.public_id
    for acct, role in ((buyer, "buyer"), (owner, "seller")):
        got = _get(client, f"/api/escrow/{eid}", acct)
        assert got.status_code == 200, got.content
        data = got.json()["data"]
        assert data["role"] == role and data["id"] == eid and data["orderId"] == order.public_id
        assert data["descriptor"].startswith("wsh(sortedmulti(2,") and "#" in data["descriptor"]
        assert data["address"] == escrow.address and data["index"] == escrow.index
        assert data["buyerKey"] == escrow.buyer_key
        assert data["marketplaceKey"] == marketplace_key().expression
        assert data["feePercent"] == "1.00" and data["feeMinSat"] == 1000
        assert data["fundedSat"] == FUNDED_SAT and data["dispute"] is None
        assert data["autoReleaseAt"] is None and data["autoReleaseDays"] == 14
        [out] = data["spends"]
        assert out["id"] == spend.pk and out["status"] == "awaiting"
        assert out["psbt"] == spend.psbt and out["canSign"] is (role == "buyer")
        assert out["outputs"][0]["valueSat"] == spend.plan["outputs"][0]["value_sat"]
        desc = _get(client, f"/api/escrow/{eid}/descriptor", acct)
        assert desc.status_code == 200
        assert desc.json()["data"] == {"descriptor": escrow.descriptor, "address": escrow.address,
                                       "index": escrow.index, "network": "regtest"}
        by_id = _get(client, f"/api/escrow/{eid}/psbt?spend={spend.pk}", acct)
        assert by_id.status_code == 200 and by_id.json()["data"]["psbt"] == spend.psbt
    # The buyer's own turn: the awaiting release, as JSON or as the binary file.
    mine = _get(client, f"/api/escrow/{eid}/psbt", buyer).json()["data"]
    assert mine["spendId"] == spend.pk and mine["kind"] == "release"
    assert mine["feeSat"] == spend.plan["fee_sat"] and len(mine["outputs"]) == 1
    raw = _get(client, f"/api/escrow/{eid}/psbt?format=file", buyer)
    assert raw.status_code == 200 and raw["Content-Type"] == "application/octet-stream"
    assert "attachment" in raw["Content-Disposition"]
    assert raw.content == base64.b64decode(spend.psbt) and raw.content.startswith(b"psbt\xff")
    # Nothing waits for the seller's signature.
    assert _get(client, f"/api/escrow/{eid}/psbt", owner).status_code == 404
    assert _get(client, f"/api/escrow/{eid}/psbt?spend=999999", buyer).status_code == 404
    released = _post(client, f"/api/escrow/{eid}/release", buyer)
    assert released.status_code == 200 and released.json()["data"]["id"] == spend.pk
    # The body is optional: no body at all, or JSON null, asks for the PSBT too.
    bare = client.post(f"/api/escrow/{eid}/release", data=b"",
                       content_type="application/octet-stream", headers=_auth(buyer))
    assert bare.status_code == 200 and bare.json()["data"]["id"] == spend.pk, bare.content
    null = client.post(f"/api/escrow/{eid}/release", data="null",
                       content_type="application/json", headers=_auth(buyer))
    assert null.status_code == 200 and null.json()["data"]["id"] == spend.pk
    assert released.json()["data"]["psbt"] == spend.psbt
    # Release is the buyer's: for the seller it doesn't exist.
    assert _post(client, f"/api/escrow/{eid}/release", owner).status_code == 404

    for response in (_get(client, f"/api/escrow/{eid}", stranger),
                     _post(client, f"/api/escrow/{eid}/release", stranger),
                     _post(client, f"/api/escrow/{eid}/refund", stranger),
                     _post(client, f"/api/escrow/{eid}/auto-release", stranger),
                     _get(client, f"/api/escrow/{eid}/psbt", stranger),
                     _get(client, f"/api/escrow/{eid}/psbt?spend={spend.pk}&format=file",
                          stranger),
                     _post(client, f"/api/escrow/{eid}/psbt", stranger, {"psbt": spend.psbt}),
                     _get(client, f"/api/escrow/{eid}/descriptor", stranger),
                     _post(client, f"/api/escrow/{eid}/dispute", stranger,
                           {"reason": "I was never part of this"}),
                     _post(client, f"/api/escrow/{eid}/messages", stranger, {"text": "hi"}),
                     _get(client, "/api/escrow/e_doesnotexist", buyer)):
        assert response.status_code == 404, response.content
        assert response.json() == {"success": False, "error": "not_found",
                                   "message": "No such escrow."}


def test_staff_see_an_escrow_only_in_dispute_and_only_staff_resolve(
        client: Client, trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    staff = make_account()
    User.objects.filter(pk=staff.user.pk).update(is_staff=True)
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    eid = escrow.public_id
    assert _get(client, f"/api/escrow/{eid}", staff).status_code == 404
    assert _post(client, f"/api/escrow/{eid}/resolve", staff,
                 {"buyerPercent": 50, "note": "split it"}).status_code == 404
    for party_acct in (buyer, owner):
        not_arbiter = _post(client, f"/api/escrow/{eid}/resolve", party_acct,
                            {"buyerPercent": 100, "note": "all mine"})
        assert not_arbiter.status_code == 404

    short = _post(client, f"/api/escrow/{eid}/dispute", buyer, {"reason": "bad"})
    assert short.status_code == 400 and "reason" in short.json()["details"]
    opened = _post(client, f"/api/escrow/{eid}/dispute", buyer,
                   {"reason": "The hat never arrived."})
    assert opened.status_code == 201, opened.content
    assert opened.json()["data"]["openedBy"] == "buyer"
    assert opened.json()["data"]["status"] == "open"
    again = _post(client, f"/api/escrow/{eid}/dispute", owner, {"reason": "Second dispute here"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    said = _post(client, f"/api/escrow/{eid}/messages", owner, {"text": "Shipped on Monday."})
    assert said.status_code == 201 and said.json()["data"]["role"] == "seller"
    assert said.json()["data"]["hasEvidence"] is False
    empty = _post(client, f"/api/escrow/{eid}/messages", owner, {"text": "   "})
    assert empty.status_code == 400 and "text" in empty.json()["details"]

    # Staff without 2FA are not the arbiter: they neither read nor decide.
    assert _get(client, f"/api/escrow/{eid}", staff).status_code == 404
    assert _post(client, f"/api/escrow/{eid}/resolve", staff,
                 {"buyerPercent": 50, "note": "split it"}).status_code == 404
    enable_2fa(staff)
    from cryptoshop.accounts.sessions import create_api_session

    # With 2FA on, staff log in with a session token (the raw token no longer suffices).
    staff_session = Account(staff.user, create_api_session(staff.user))
    as_arbiter = _get(client, f"/api/escrow/{eid}", staff_session)
    assert as_arbiter.status_code == 200
    data = as_arbiter.json()["data"]
    assert data["role"] == "arbiter" and data["status"] == "disputed"
    assert data["dispute"]["reason"] == "The hat never arrived."
    assert [(m["role"], m["text"]) for m in data["dispute"]["messages"]] == [
        ("seller", "Shipped on Monday.")]
    assert [e["kind"] for e in data["events"]] == ["opened", "dispute_opened",
                                                "dispute_message"]
    # Still not for the other parties' endpoints, nor for non-staff.
    assert _post(client, f"/api/escrow/{eid}/resolve", buyer,
                 {"buyerPercent": 100, "note": "all mine"}).status_code == 404
    bad_percent = _post(client, f"/api/escrow/{eid}/resolve", staff_session,
                        {"buyerPercent": 150, "note": "split it"})
    assert bad_percent.status_code == 400 and "buyerPercent" in bad_percent.json()["details"]
    # No confirmed coins recorded for this hand-made escrow: a clear conflict, no 500.
    no_coins = _post(client, f"/api/escrow/{eid}/resolve", staff_session,
                     {"buyerPercent": 50, "note": "split it"})
    assert no_coins.status_code == 409 and "confirmed coins" in no_coins.json()["message"]


def test_dispute_on_an_unfunded_escrow_is_a_conflict(client: Client,
                                                     trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    escrow = escrow_row(order)
    answer = _post(client, f"/api/escrow/{escrow.public_id}/dispute", buyer,
                   {"reason": "The hat never arrived."})
    assert answer.status_code == 409
    assert answer.json() == {"success": False, "error": "conflict",
                             "message": "Only a funded escrow can be disputed."}
    release = _post(client, f"/api/escrow/{escrow.public_id}/release", buyer)
    assert release.status_code == 409 and "isn't funded" in release.json()["message"]
    refund = _post(client, f"/api/escrow/{escrow.public_id}/refund", owner)
    assert refund.status_code == 409
    claim = _post(client, f"/api/escrow/{escrow.public_id}/auto-release", owner)
    assert claim.status_code == 409
    message = _post(client, f"/api/escrow/{escrow.public_id}/messages", buyer, {"text": "hi"})
    assert message.status_code == 409 and "no dispute" in message.json()["message"]


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


def test_openapi_lists_the_escrow_endpoints(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["/api/escrow", "/api/escrow/keys", "/api/escrow/keys/me",
                 "/api/escrow/{escrow_id}", "/api/escrow/{escrow_id}/release",
                 "/api/escrow/{escrow_id}/refund", "/api/escrow/{escrow_id}/auto-release",
                 "/api/escrow/{escrow_id}/dispute", "/api/escrow/{escrow_id}/messages",
                 "/api/escrow/{escrow_id}/resolve", "/api/escrow/{escrow_id}/psbt",
                 "/api/escrow/{escrow_id}/descriptor"]:
        assert path in paths, path
    assert set(paths["/api/escrow/{escrow_id}/psbt"]) == {"get", "post"}
