"""The demo's webhook: `first_run` gives Cold Storage Co. an endpoint at the demo receiver
(with a ping queued for the delivery job), and the receiver answers 204 only to bodies
signed with that store's secret. The full loop over HTTP is in the browser tier
(tests/e2e/test_webhooks_browser.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.demo.seed_webhooks import seed_webhook
from cryptoshop.webhooks.events import EVENT_TYPES, PING
from cryptoshop.webhooks.models import Delivery, Webhook
from cryptoshop.webhooks.signing import HEADER, sign
from tests.factories import seller

pytestmark = pytest.mark.django_db
BASE = "http://127.0.0.1:8123"


def test_seed_makes_one_endpoint_with_a_queued_ping() -> None:
    _, store = seller("Cold Storage Co.", slug="cold-storage-co")
    webhook = seed_webhook(BASE + "/")
    assert webhook is not None
    assert webhook.url == f"{BASE}/demo/webhook-receiver/{store.public_id}/"
    assert webhook.events == list(EVENT_TYPES)
    ping = Delivery.objects.get(webhook=webhook)
    assert ping.event_type == PING and ping.status == Delivery.Status.PENDING
    assert ping.next_attempt_at is not None  # due now: the job sends it
    assert seed_webhook(BASE) is None  # idempotent
    assert Webhook.objects.count() == 1 and Delivery.objects.count() == 1


def test_seed_makes_nothing_off_regtest_or_without_the_store(settings: Any) -> None:
    assert seed_webhook(BASE) is None  # no demo store
    seller("Cold Storage Co.", slug="cold-storage-co")
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert seed_webhook(BASE) is None
    settings.WEBHOOK_ALLOW_PRIVATE, settings.BITCOIN_NETWORK = True, "mainnet"
    assert seed_webhook(BASE) is None
    assert not Webhook.objects.exists()


def test_a_base_url_the_shop_refuses_is_skipped_not_a_crash() -> None:
    seller("Cold Storage Co.", slug="cold-storage-co")
    assert seed_webhook("ftp://127.0.0.1:8000") is None  # only http(s) targets
    assert not Webhook.objects.exists()


def test_receiver_accepts_only_the_stores_signature(client: Client, settings: Any) -> None:
    _, store = seller("Cold Storage Co.", slug="cold-storage-co")
    webhook = seed_webhook(BASE)
    assert webhook is not None
    url = f"/demo/webhook-receiver/{store.public_id}/"
    body = b'{"type":"ping"}'

    def post(header: str) -> int:
        return client.post(url, body, content_type="application/json",
                           headers={HEADER: header, "CryptoShop-Event": "ping"}).status_code

    assert post(sign(webhook.secret, body)) == 204
    assert post(sign("not-the-secret-0123456789", body)) == 400
    assert post(sign(webhook.secret, body, timestamp=1_000_000_000)) == 400  # a replay
    assert post("") == 400
    _, other = seller("Other", slug="other")
    assert client.post(f"/demo/webhook-receiver/{other.public_id}/", body,
                       content_type="application/json",
                       headers={HEADER: sign(webhook.secret, body)}).status_code == 400
    assert client.get(url).status_code == 405
    settings.DEMO_WALLET = False
    assert post(sign(webhook.secret, body)) == 404
