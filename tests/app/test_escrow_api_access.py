"""/api/escrow access: each side's lists, who may see and do what (404, never 403), staff only
in a dispute, disputes on unfunded escrows refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from cryptoshop.accounts.models import User
from cryptoshop.escrow.keys import marketplace_key
from cryptoshop.escrow.models import Escrow
from tests.app.escrow_api_client import auth as _auth
from tests.app.escrow_api_client import get as _get
from tests.app.escrow_api_client import post as _post
from tests.factories import (
    FUNDED_SAT,
    Account,
    enable_2fa,
    make_account,
    release_spend,
)
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db



# --- lists ----------------------------------------------------------------------------------------

def test_list_is_empty_for_a_new_user_and_shows_each_side(client: Client,
                                                           trio: tuple[Any, ...]) -> None:
    buyer, owner, stranger, order = trio
    empty = _get(client, "/api/escrow", stranger).json()
    assert empty == {"success": True, "data": [],
                     "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 1,
                                    "totalExact": True, "hasNext": False}}
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
