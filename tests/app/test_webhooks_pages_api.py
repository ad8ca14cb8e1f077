"""The seller's webhook pages (/sell/webhooks/) and /api/webhooks: create, edit events,
delete, the delivery log, redeliver and test ping, for the store's owner only. Another
seller, a buyer and anonymous callers get 404 (or the login page), never the endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cryptoshop.webhooks import actions, delivery
from cryptoshop.webhooks.models import Delivery, Webhook
from cryptoshop.webhooks.signing import verify_signature
from tests.api_calls import bearer_call
from tests.app.conftest import csrf_from
from tests.factories import Account, make_account, make_order, seller
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db


def browser(acct: Account) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(acct.user)
    return client


def form_post(client: Client, url: str, data: dict[str, Any], page: str) -> Any:
    token = csrf_from(client.get(page).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def api(method: str, url: str, acct: Account, body: Any = None) -> Any:
    return bearer_call(method, url, acct.token, body)


def test_seller_adds_edits_tests_and_deletes_an_endpoint_through_the_pages() -> None:
    owner, store = seller()
    client = browser(owner)
    page = client.get("/sell/webhooks/").content.decode()
    assert 'href="/sell/webhooks/"' in page and "No endpoints yet" in page
    with webhook_receiver(200, 500) as receiver:
        answer = form_post(client, "/sell/webhooks/new/", {
            "url": receiver.url, "events": ["order.created", "invoice.settled"],
            "enabled": "on", "secret": ""}, "/sell/webhooks/new/")
        hook = Webhook.objects.get(store=store)
        assert answer.status_code == 302 and answer.url == f"/sell/webhooks/{hook.public_id}/"
        assert hook.events == ["order.created", "invoice.settled"] and len(hook.secret) == 43
        edit = f"/sell/webhooks/{hook.public_id}/"
        html = client.get(edit).content.decode()
        assert hook.secret in html and "Nothing delivered yet" in html
        answer = form_post(client, f"{edit}test/", {}, edit)
        assert answer.status_code == 302
        follow = client.get(edit).content.decode()
        assert "Test ping delivered: HTTP 200" in follow and "HTTP 200" in follow
        make_order(make_account().user, store)
        delivery.deliver_due()
        html = client.get(edit).content.decode()
        assert "order.created" in html and "HTTP 500" in html and "Redeliver" in html
        failed = Delivery.objects.get(event_type="order.created")
        form_post(client, f"{edit}deliveries/{failed.public_id}/redeliver/", {}, edit)
        # Only the redelivery goes: the original's own retry isn't due for 10 s.
        assert delivery.deliver_due() == 1
    assert [json.loads(r.body)["type"] for r in receiver.received] == [
        "ping", "order.created", "order.created"]
    verify_signature(hook.secret, receiver.received[-1].headers["CryptoShop-Signature"],
                     receiver.received[-1].body)
    form_post(client, edit, {"url": hook.url, "events": ["order.paid"], "secret": ""}, edit)
    hook.refresh_from_db()
    assert hook.events == ["order.paid"] and hook.enabled is False
    form_post(client, f"{edit}delete/", {}, edit)
    assert not Webhook.objects.exists() and not Delivery.objects.exists()


def test_the_page_form_shows_errors_and_needs_csrf() -> None:
    owner, _ = seller()
    client = browser(owner)
    answer = form_post(client, "/sell/webhooks/new/", {"url": "ftp://x", "events": []},
                       "/sell/webhooks/new/")
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Give an http:// or https:// address." not in html  # the form stops first
    assert "This field is required." in html
    no_csrf = client.post("/sell/webhooks/new/", {"url": "http://127.0.0.1/",
                                                   "events": ["order.paid"]})
    assert no_csrf.status_code == 403 and not Webhook.objects.exists()


def test_another_seller_cannot_see_or_touch_an_endpoint_html() -> None:
    _owner, store = seller("Owner")
    other, _ = seller("Other")
    buyer = make_account()
    hook = actions.do_create_webhook(store, actions.WebhookInput(
        url="http://127.0.0.1:9/x", events=["order.created"]))
    make_order(buyer.user, store)
    item = Delivery.objects.get()
    base = f"/sell/webhooks/{hook.public_id}/"
    for acct in (other, buyer):
        client = browser(acct)
        assert hook.url not in client.get("/sell/webhooks/").content.decode()
        assert client.get(base).status_code in (404, 403)
        token = csrf_from(client.get("/sell/webhooks/new/").content.decode()
                          if acct is other else client.get("/cart/").content.decode())
        for url in (base, f"{base}delete/", f"{base}test/", f"{base}secret/",
                    f"{base}deliveries/{item.public_id}/redeliver/"):
            answer = client.post(url, {"csrfmiddlewaretoken": token, "url": "http://1.1.1.1/",
                                       "events": ["order.paid"]})
            assert answer.status_code in (404, 403), url
    assert client.get(base).status_code == 403  # the buyer has no store at all
    assert browser(other).get(base).status_code == 404
    assert Client().get(base).status_code == 302  # to the login page
    hook.refresh_from_db()
    assert hook.url == "http://127.0.0.1:9/x" and Delivery.objects.count() == 1


def test_api_crud_deliveries_redeliver_and_test() -> None:
    owner, store = seller()
    with webhook_receiver(200, 200, 500) as receiver:
        made = api("post", "/api/webhooks", owner, {
            "url": receiver.url, "events": ["order.created", "order.paid"],
            "secret": "my-own-secret-1234567"})
        assert made.status_code == 201
        data = made.json()["data"]
        assert data["secret"] == "my-own-secret-1234567" and data["enabled"] is True
        assert data["events"] == ["order.created", "order.paid"]
        wid = data["id"]
        listed = api("get", "/api/webhooks", owner).json()["data"]
        assert [w["id"] for w in listed] == [wid] and "secret" not in listed[0]
        changed = api("put", f"/api/webhooks/{wid}", owner, {"events": ["order.created"]})
        assert changed.json()["data"]["events"] == ["order.created"]
        assert changed.json()["data"]["url"] == receiver.url
        ping = api("post", f"/api/webhooks/{wid}/test", owner).json()["data"]
        assert ping["type"] == "ping" and ping["status"] == "delivered"
        assert ping["attemptLog"][0]["statusCode"] == 200
        make_order(make_account().user, store)
        delivery.deliver_due()
        page = api("get", f"/api/webhooks/{wid}/deliveries", owner).json()
        assert page["pagination"]["total"] == 2
        created = page["data"][0]
        assert created["type"] == "order.created" and created["status"] == "delivered"
        again = api("post", f"/api/webhooks/{wid}/deliveries/{created['id']}/redeliver",
                    owner)
        assert again.status_code == 201
        assert again.json()["data"]["redeliveryOf"] == created["id"]
        delivery.deliver_due()
        log = api("get", f"/api/webhooks/{wid}/deliveries", owner).json()["data"]
        assert [(d["type"], d["status"], d["attempts"], d["lastStatusCode"]) for d in log] == [
            ("order.created", "pending", 1, 500), ("order.created", "delivered", 1, 200),
            ("ping", "delivered", 1, 200)]
        assert log[0]["attemptLog"][0]["error"] == "HTTP 500 Internal Server Error"
    bad = api("post", "/api/webhooks", owner, {"url": "http://127.0.0.1/", "events": []})
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"
    assert bad.json()["details"] == {"events": ["Choose at least one event."]}
    assert api("delete", f"/api/webhooks/{wid}", owner).json()["data"] == {"deleted": True}
    assert api("get", f"/api/webhooks/{wid}", owner).status_code == 404


def test_api_another_account_gets_404_everywhere() -> None:
    _owner, store = seller("Owner")
    other, _ = seller("Other")
    hook = actions.do_create_webhook(store, actions.WebhookInput(
        url="http://127.0.0.1:9/x", events=["order.created"]))
    make_order(make_account().user, store)
    did = Delivery.objects.get().public_id
    base = f"/api/webhooks/{hook.public_id}"
    assert api("get", "/api/webhooks", other).json()["data"] == []
    for method, url, body in [("get", base, None), ("put", base, {"enabled": False}),
                              ("delete", base, None), ("get", f"{base}/deliveries", None),
                              ("post", f"{base}/deliveries/{did}/redeliver", None),
                              ("post", f"{base}/test", None)]:
        answer = api(method, url, other, body)
        assert answer.status_code == 404, (method, url)
        assert answer.json() == {"success": False, "error": "not_found",
                                 "message": "No such webhook."}
    assert Client().get("/api/webhooks").status_code == 401
    buyer = make_account()
    assert api("get", "/api/webhooks", buyer).json()["error"] == "no_store"
    assert Delivery.objects.count() == 1 and Webhook.objects.get().enabled is True


def test_test_pings_and_redeliveries_are_rate_limited_per_store(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook:send": (2, 3600)}
    owner, store = seller()
    with webhook_receiver() as receiver:
        hook = actions.do_create_webhook(store, actions.WebhookInput(
            url=receiver.url, events=["order.created"]))
        base = f"/api/webhooks/{hook.public_id}"
        assert api("post", f"{base}/test", owner).status_code == 200
        assert api("post", f"{base}/test", owner).status_code == 200
        refused = api("post", f"{base}/test", owner)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert len(receiver.received) == 2 and Delivery.objects.count() == 2
    ping = Delivery.objects.first()
    again = api("post", f"{base}/deliveries/{ping.public_id}/redeliver", owner)
    assert again.status_code == 429 and Delivery.objects.count() == 2
