"""/api/escrow/keys and the API surface: key registration (tpub with origin; the rest refused),
logging in first, and the escrow endpoints in the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.btc.keys import account_xpub, key_origin, root_from_seed
from cryptoshop.btc.networks import MAINNET
from cryptoshop.escrow.keys import marketplace_key
from tests.app.escrow_api_client import get as _get
from tests.app.escrow_api_client import post as _post
from tests.escrow_keys import party
from tests.factories import (
    make_account,
)
from tests.factories import open_escrow as escrow_row

pytestmark = pytest.mark.django_db



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


def test_register_key_accepts_electrums_vpub_and_wallet_files_and_stores_bip380(
        client: Client) -> None:
    import json

    from embit.bip32 import HDKey
    acct = make_account()
    _, expression = party(31)
    origin, tpub = expression[1:].split("]")
    fp = origin.split("/")[0]
    vpub = HDKey.from_string(tpub).to_base58(version=bytes.fromhex("02575483"))
    typed = f"[{fp.upper()}/48'/1'/0'/2']{vpub}"
    made = _post(client, "/api/escrow/keys", acct, {"key": typed, "kind": "external"})
    assert made.status_code == 201, made.content
    assert made.json()["data"]["key"] == expression  # [fp/48h/1h/0h/2h]tpub…
    electrum = json.dumps({"keystore": {"type": "bip32", "xpub": vpub, "xprv": None,
                                        "derivation": "m/48'/1'/0'/2'",
                                        "root_fingerprint": fp}, "wallet_type": "standard"})
    again = _post(client, "/api/escrow/keys", acct, {"key": electrum, "kind": "external"})
    assert again.status_code == 200, again.content
    assert again.json()["data"]["key"] == expression
    single = HDKey.from_string(tpub).to_base58(version=bytes.fromhex("045f1cf6"))  # vpub
    refused = _post(client, "/api/escrow/keys", acct, {"key": single, "kind": "external"})
    assert refused.status_code == 400
    assert "Vpub" in refused.json()["details"]["key"][0]
