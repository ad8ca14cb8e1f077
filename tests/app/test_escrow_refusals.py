"""Item 15 (and the upload half of 14): a refused signature says what differs, the page
and the API say it in one text, every refusal is on the escrow's trail, and a PSBT can be
uploaded to the API as a binary .psbt body; hex is refused by name."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from cryptoshop.btc.psbt import parse_psbt, serialize_psbt
from cryptoshop.core.errors import Conflict
from cryptoshop.escrow import signing
from cryptoshop.escrow.models import Escrow, Spend
from tests.app.escrow_api_client import auth
from tests.app.escrow_api_client import post as _post
from tests.factories import BUYER_SEED, SELLER_SEED, release_spend, signed_by
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db


def _refusals(escrow: Escrow) -> int:
    return escrow.events.filter(kind="signature_refused").count()


def _tampered(spend: Spend) -> str:
    psbt = parse_psbt(signed_by(BUYER_SEED, spend.escrow, spend))
    psbt.outputs[-1].value -= 5_000  # to the miners
    return serialize_psbt(psbt)


def test_every_refusal_is_on_the_trail(client: Client, trio: tuple[Any, ...]) -> None:
    buyer, _owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    url = f"/api/escrow/{escrow.public_id}/psbt"
    uploads = [signed_by(SELLER_SEED, escrow, spend), spend.psbt, "bm90IGEgcHNidA==",
               _tampered(spend), base64.b64decode(spend.psbt).hex()]
    for n, text in enumerate(uploads, start=1):
        refused = _post(client, url, buyer, {"psbt": text})
        assert refused.status_code == 400, refused.content
        assert _refusals(escrow) == n, (n, refused.json())
    assert Spend.objects.get(pk=spend.pk).status == "awaiting"


def test_a_refusal_inside_the_signing_transaction_is_recorded(
        trio: tuple[Any, ...]) -> None:
    buyer, _owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    checked = signing.check_sign(escrow, buyer.user,
                                 psbt_text=signed_by(BUYER_SEED, escrow, spend))
    Spend.objects.filter(pk=spend.pk).update(status=Spend.Status.SUPERSEDED)
    with pytest.raises(Conflict):
        signing.do_sign(checked)
    assert _refusals(escrow) == 1


def test_a_tampered_psbt_is_told_what_differs_in_one_text(
        client: Client, trio: tuple[Any, ...]) -> None:
    buyer, _owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    tampered = _tampered(spend)
    api = _post(client, f"/api/escrow/{escrow.public_id}/psbt", buyer, {"psbt": tampered})
    release = _post(client, f"/api/escrow/{escrow.public_id}/release", buyer,
                    {"psbt": tampered})
    client.force_login(buyer.user)
    page = client.post(f"/escrow/{escrow.public_id}/sign/", {"psbt": tampered})
    api_text = api.json()["details"]["psbt"][0]
    want = spend.plan["outputs"][-1]["value_sat"]
    assert f"output {len(spend.plan['outputs']) - 1}" in api_text
    assert f"{want - 5_000}" in api_text.replace("\u202f", "").replace(",", "") and \
        f"{want}" in api_text.replace("\u202f", "").replace(",", "")
    assert release.json()["details"]["psbt"][0] == api_text
    assert page.status_code == 400
    from django.utils.html import escape
    assert escape(api_text) in page.content.decode()


def test_binary_psbt_upload_and_hex_refused_by_name(client: Client,
                                                     trio: tuple[Any, ...]) -> None:
    buyer, _owner, _stranger, order = trio
    escrow = escrow_row(order, Escrow.Status.FUNDED)
    spend = release_spend(escrow)
    url = f"/api/escrow/{escrow.public_id}/psbt"
    raw = base64.b64decode(signed_by(BUYER_SEED, escrow, spend))
    hexed = _post(client, url, buyer, {"psbt": raw.hex()})
    assert hexed.status_code == 400 and "hex is not supported" in hexed.content.decode()
    done = client.post(url, data=raw, content_type="application/octet-stream",
                       headers=auth(buyer))
    assert done.status_code == 200, done.content
    assert done.json()["data"]["status"] == "broadcast"


def test_the_escrow_api_documents_its_steps_and_errors(client: Client,
                                                       trio: tuple[Any, ...]) -> None:
    from pathlib import Path

    from cryptoshop.core.errors import ActionError
    from cryptoshop.escrow.opening import check_open_escrow
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]

    def body_of(path: str) -> dict[str, Any]:
        ref = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        found = ref["schema"]
        return components[found["$ref"].split("/")[-1]] if "$ref" in found else found

    assert "refundAddress" in body_of("/api/escrow").get("required", [])
    address = body_of("/api/bitcoin/address")["properties"]["refundAddress"]
    assert "escrow" in address.get("description", "")
    get_psbt = schema["paths"]["/api/escrow/{escrow_id}/psbt"]["get"]["description"]
    assert "/release" in get_psbt and "prepare" in get_psbt.lower()
    api_md = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    assert "`escrow_key_required`" in api_md and "`store_not_payable`" in api_md
    buyer, _owner, _stranger, order = trio
    with pytest.raises(ActionError) as err:
        check_open_escrow(order, buyer.user, "")
    assert err.value.code == "escrow_key_required"
    assert "POST /api/escrow/keys" in err.value.message and "/escrow/key/" in err.value.message
