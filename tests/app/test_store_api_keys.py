"""Store API keys: made by the account only (a key can't mint keys), the secret shown once
and kept as a SHA-256, scopes enforced (403 insufficient_scope), revoked and unknown keys
refused (401), and a key reaching only its own store's things."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from django.test import Client

from cryptoshop.stores.models import StoreApiKey
from tests.api_calls import bearer_call as call
from tests.app.conftest import csrf_from
from tests.factories import (
    Account,
    category,
    make_account,
    make_order,
    seller,
    seller_tpub,
)

pytestmark = pytest.mark.django_db


def make_key(owner: Account, *scopes: str, name: str = "script") -> dict[str, Any]:
    made = call("post", "/api/keys", owner.token, {"name": name, "scopes": list(scopes)})
    assert made.status_code == 201, made.content
    return dict(made.json()["data"])


def test_secret_shown_once_and_stored_hashed() -> None:
    owner, _ = seller()
    data = make_key(owner, "orders:read")
    secret = data["secret"]
    assert secret.startswith("csk_") and len(secret) >= 40
    assert data["prefix"] == secret[:12] and data["active"] is True
    row = StoreApiKey.objects.get(pk=data["id"])
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(StoreApiKey.objects.values()), default=str)
    listed = call("get", "/api/keys", owner.token).json()["data"]
    assert [k["id"] for k in listed] == [data["id"]] and "secret" not in listed[0]


def test_a_read_key_cant_write_and_scopes_are_named() -> None:
    owner, _store = seller()
    read = make_key(owner, "orders:read")["secret"]
    made = call("post", "/api/products", read, {"title": "Hat", "category": "clothing",
                                               "priceSat": 1000})
    assert made.status_code == 403
    body = made.json()
    assert body["error"] == "insufficient_scope" and "listings:write" in body["message"]
    assert call("put", "/api/bitcoin/wallet", read, {"descriptor": "x"}).status_code == 403
    assert call("get", "/api/webhooks", read).json()["error"] == "insufficient_scope"
    assert call("get", "/api/orders?role=seller", read).status_code == 200


def test_listings_key_writes_listings() -> None:
    owner, _store = seller()
    key = make_key(owner, "listings:write")["secret"]
    category()
    made = call("post", "/api/products", key, {"title": "Key-made hat", "category": "clothing",
                                              "priceSat": 1000, "status": "active"})
    assert made.status_code == 201, made.content
    pid = made.json()["data"]["id"]
    assert call("delete", f"/api/products/{pid}", key).status_code == 200
    assert call("get", "/api/orders?role=seller", key).json()["error"] == "insufficient_scope"


def test_revoked_and_unknown_keys_are_refused() -> None:
    owner, _ = seller()
    data = make_key(owner, "orders:read")
    assert call("get", "/api/orders?role=seller", data["secret"]).status_code == 200
    assert StoreApiKey.objects.get(pk=data["id"]).last_used_at is not None
    revoked = call("delete", f"/api/keys/{data['id']}", owner.token)
    assert revoked.status_code == 200 and revoked.json()["data"]["active"] is False
    refused = call("get", "/api/orders?role=seller", data["secret"])
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]
    assert call("get", "/api/orders?role=seller", "csk_" + "x" * 43).status_code == 401


def test_keys_cant_mint_or_revoke_keys() -> None:
    owner, _ = seller()
    data = make_key(owner, "orders:read", "listings:write", "wallet:write", "webhooks:write")
    key = data["secret"]
    minted = call("post", "/api/keys", key, {"name": "child", "scopes": ["orders:read"]})
    assert minted.status_code == 403 and minted.json()["error"] == "api_key_not_allowed"
    assert call("get", "/api/keys", key).status_code == 403
    assert call("delete", f"/api/keys/{data['id']}", key).status_code == 403
    assert StoreApiKey.objects.count() == 1
    # Elsewhere a key is no account credential either.
    assert call("get", "/api/auth/me", key).status_code == 403
    assert call("get", "/api/cart", key).status_code == 403


def test_a_key_reads_only_its_stores_orders() -> None:
    owner_a, store_a = seller("Store A")
    _owner_b, store_b = seller("Store B")
    buyer = make_account()
    order_a = make_order(buyer.user, store_a)
    order_b = make_order(buyer.user, store_b)
    key_a = make_key(owner_a, "orders:read")["secret"]
    listed = call("get", "/api/orders?role=seller", key_a).json()["data"]
    assert [o["id"] for o in listed] == [order_a.public_id]
    assert call("get", f"/api/orders/{order_a.public_id}", key_a).json()["data"]["role"] == (
        "seller")
    assert call("get", f"/api/orders/{order_b.public_id}", key_a).status_code == 404
    # A key speaks for the store, not for its owner as a buyer.
    assert call("get", "/api/orders", key_a).json()["error"] == "api_key_not_allowed"
    make_order(owner_a.user, store_b)  # A's owner buys from B: still not the key's business
    assert len(call("get", "/api/orders?role=seller", key_a).json()["data"]) == 1


def test_other_sellers_keys_are_404_and_bad_input_is_400() -> None:
    owner_a, _ = seller("Store A")
    owner_b, _ = seller("Store B")
    key = make_key(owner_a, "orders:read")
    assert call("delete", f"/api/keys/{key['id']}", owner_b.token).status_code == 404
    assert StoreApiKey.objects.get(pk=key["id"]).is_active
    bad = call("post", "/api/keys", owner_a.token, {"name": "x", "scopes": ["orders:write"]})
    assert bad.status_code == 400
    none = call("post", "/api/keys", owner_a.token, {"name": "x", "scopes": []})
    assert none.status_code == 400
    buyer = make_account()
    assert call("post", "/api/keys", buyer.token, {"name": "x", "scopes": ["orders:read"]}
                ).json()["error"] == "no_store"


def test_wallet_any_key_reads_wallet_key_writes() -> None:
    owner, _store = seller()
    read = make_key(owner, "orders:read")["secret"]
    write = make_key(owner, "wallet:write")["secret"]
    assert call("get", "/api/bitcoin/wallet", read).status_code == 404  # none yet
    put = call("put", "/api/bitcoin/wallet", write, {"descriptor": seller_tpub(7),
                                                    "mode": "direct"})
    assert put.status_code == 200, put.content
    saved = put.json()["data"]
    assert saved["mode"] == "direct" and len(saved["firstAddresses"]) == 3
    got = call("get", "/api/bitcoin/wallet", read).json()["data"]
    assert got == saved and got["firstAddresses"][0].startswith("bcrt1")
    bad = call("put", "/api/bitcoin/wallet", write, {"descriptor": "xpub-not-really"})
    assert bad.status_code == 400 and "descriptor" in bad.json()["details"]
    escrow = call("put", "/api/bitcoin/wallet", owner.token, {"descriptor": seller_tpub(7)})
    assert escrow.status_code == 400 and "mode" in escrow.json()["details"]  # no escrow key
    other, _ = seller("Other")
    taken = call("put", "/api/bitcoin/wallet", other.token, {"descriptor": seller_tpub(7),
                                                            "mode": "direct"})
    assert taken.status_code == 400  # another store's wallet


def test_seller_page_creates_shows_once_and_revokes() -> None:
    owner, _ = seller()
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    page = client.get("/sell/api-keys/")
    assert page.status_code == 200 and "No keys yet" in page.content.decode()
    made = client.post("/sell/api-keys/", {"csrfmiddlewaretoken": csrf_from(
        page.content.decode()), "name": "stock sync", "scopes": ["listings:write"]})
    html = made.content.decode()
    key = StoreApiKey.objects.get()
    found = re.search(r'id="new-key-secret"[^>]*>(csk_[^<]+)</textarea>', html)
    assert found, "the new key's secret is not on the page"
    secret = found.group(1)
    assert secret.startswith(key.prefix) and key.secret_hash == hashlib.sha256(
        secret.encode()).hexdigest()
    again = client.get("/sell/api-keys/").content.decode()
    assert secret not in again and key.prefix in again  # shown once
    other, _ = seller("Other")
    intruder = Client()
    intruder.force_login(other.user)
    assert intruder.post(f"/sell/api-keys/{key.pk}/revoke/").status_code == 302
    assert StoreApiKey.objects.get().is_active  # not theirs: untouched
    revoke = client.post(f"/sell/api-keys/{key.pk}/revoke/",
                         {"csrfmiddlewaretoken": csrf_from(again)})
    assert revoke.status_code == 302 and not StoreApiKey.objects.get().is_active


def test_reloading_the_page_that_shows_a_new_key_does_not_mint_another() -> None:
    """The browser's reload of the answer to the create form sends the same POST again:
    it is recognised by the form's id, and the seller is sent to the list instead."""
    owner, _ = seller()
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    page = client.get("/sell/api-keys/").content.decode()
    form_id = re.search(r'name="form_id" value="([^"]+)"', page)
    assert form_id, "the create form carries no id"
    sent = {"csrfmiddlewaretoken": csrf_from(page), "name": "stock sync",
            "scopes": ["orders:read"], "form_id": form_id.group(1)}
    first = client.post("/sell/api-keys/", sent)
    assert first.status_code == 200 and "csk_" in first.content.decode()
    fresh_id = re.search(r'name="form_id" value="([^"]+)"', first.content.decode())
    assert fresh_id and fresh_id.group(1) != form_id.group(1)  # the next form is a new one
    again = client.post("/sell/api-keys/", sent, follow=True)
    assert again.redirect_chain == [("/sell/api-keys/", 302)]
    secret = re.search(r'id="new-key-secret"[^>]*>(csk_[^<]+)</textarea>',
                       first.content.decode())
    assert secret and "already sent" in again.content.decode()
    assert secret.group(1) not in again.content.decode()  # not shown again
    assert StoreApiKey.objects.count() == 1
    # A form refused for a bad value may be corrected and sent with the same id.
    bad = client.post("/sell/api-keys/", {**sent, "form_id": fresh_id.group(1), "scopes": []})
    assert bad.status_code == 400
    good = client.post("/sell/api-keys/", {**sent, "form_id": fresh_id.group(1)})
    assert good.status_code == 200 and StoreApiKey.objects.count() == 2
