"""Webhooks end to end on the app tier: an order change queues a signed delivery that the
job POSTs to a real local receiver; failures retry on the exact backoff schedule and give
up after 24 hours; the log keeps every attempt; redeliver and the test ping; signatures
verify and tampered or stale ones don't; private targets are refused unless allowed."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cryptoshop.orders import actions as order_actions
from cryptoshop.webhooks import actions, delivery, targets
from cryptoshop.webhooks.models import Delivery
from cryptoshop.webhooks.signing import SignatureError, sign, verify_signature
from tests.factories import make_account, make_order, seller
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-0123456789abcdef"


def _endpoint(store, url: str, events: list[str]):
    return actions.do_create_webhook(store, actions.WebhookInput(url=url, events=events,
                                                                 secret=SECRET))


# --- signatures ------------------------------------------------------------------------------

def test_signature_verifies_and_refuses_tampering_and_replays() -> None:
    body = b'{"id":"evt_1","type":"order.paid"}'
    header = sign(SECRET, body, timestamp=1_800_000_000)
    assert header.startswith("t=1800000000,v1=") and len(header) == len("t=1800000000,v1=") + 64
    assert verify_signature(SECRET, header, body, now=1_800_000_100) == 1_800_000_000
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, header, body.replace(b"paid", b"shipped"), now=1_800_000_100)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature("another-secret-000000", header, body, now=1_800_000_100)
    with pytest.raises(SignatureError, match="tolerance"):
        verify_signature(SECRET, header, body, now=1_800_000_301)  # 301 s later: a replay
    assert verify_signature(SECRET, header, body, now=1_800_000_300) == 1_800_000_000
    # A fresh timestamp on the old signature doesn't help: t is inside the signed text.
    forged = header.replace("t=1800000000", "t=1800000290")
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, forged, body, now=1_800_000_300)
    with pytest.raises(SignatureError, match="malformed"):
        verify_signature(SECRET, "v1=abc", body)


# --- targets ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://10.1.2.3/",
    "http://192.168.1.5/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "http://0.0.0.0/",
])
def test_private_targets_are_refused_unless_allowed(url: str) -> None:
    _, store = seller()
    with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
        with pytest.raises(actions.ValidationFailed) as caught:
            _endpoint(store, url, ["order.paid"])
        assert "private, loopback or link-local" in caught.value.details["url"][0]
    with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        assert _endpoint(store, url, ["order.paid"]).url == url


def test_bad_urls_and_events_are_refused() -> None:
    _, store = seller()
    for url, message in [("ftp://example.com/", "http:// or https://"),
                         ("https://user:pw@example.com/", "no user name"),
                         ("https://example.invalid/", "doesn't resolve")]:
        with pytest.raises(actions.ValidationFailed) as caught:
            _endpoint(store, url, ["order.paid"])
        assert message in caught.value.details["url"][0]
    with pytest.raises(actions.ValidationFailed) as caught:
        _endpoint(store, "http://127.0.0.1/", ["order.teleported"])
    assert caught.value.details == {"events": ["Unknown event: order.teleported."]}


def test_a_target_that_turns_private_after_saving_is_refused_at_delivery() -> None:
    _, store = seller()
    with webhook_receiver() as receiver:
        hook = _endpoint(store, receiver.url, ["order.created"])
        make_order(make_account().user, store)
        with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
            assert delivery.deliver_due() == 1
        assert receiver.received == []
    [attempt] = Delivery.objects.get(webhook=hook).attempt_log.all()
    assert attempt.status_code is None and "private, loopback or link-local" in attempt.error


# --- delivery --------------------------------------------------------------------------------

def test_an_order_change_is_delivered_signed_with_the_order() -> None:
    _owner, store = seller()
    with webhook_receiver() as receiver:
        hook = _endpoint(store, receiver.url, ["order.created", "order.cancelled"])
        buyer = make_account()
        order = make_order(buyer.user, store)
        order_actions.do_cancel(order, buyer.user, role="buyer")
        assert Delivery.objects.filter(webhook=hook).count() == 2
        assert delivery.deliver_due() == 2
        assert delivery.deliver_due() == 0  # nothing due any more
    assert [r.path for r in receiver.received] == ["/hooks", "/hooks"]
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["type"] for b in bodies] == ["order.created", "order.cancelled"]
    first = receiver.received[0]
    verify_signature(SECRET, first.headers["CryptoShop-Signature"], first.body)
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["CryptoShop-Event"] == "order.created"
    created = bodies[0]
    assert set(created) == {"id", "type", "timestamp", "storeId", "webhookId", "deliveryId",
                            "isRedelivery", "data"}
    assert created["storeId"] == store.public_id and created["webhookId"] == hook.public_id
    assert abs(created["timestamp"] - time.time()) < 60
    assert created["data"] == {
        "id": order.public_id, "status": "pending_payment", "previousStatus": None,
        "itemsSat": 150_000, "shippingSat": 0, "totalSat": 150_000, "fiatTotal": "0",
        "fiatCurrency": None, "createdAt": order.created_at.isoformat()}
    assert bodies[1]["data"]["status"] == "cancelled"
    assert bodies[1]["data"]["previousStatus"] == "pending_payment"
    assert "address" not in json.dumps(bodies)  # no shipping address leaves the shop
    assert list(Delivery.objects.values_list("status", "attempts", "last_status_code")) == [
        ("delivered", 1, 200), ("delivered", 1, 200)]


def test_events_not_chosen_and_disabled_endpoints_get_nothing() -> None:
    _, store = seller()
    _endpoint(store, "http://127.0.0.1:9/", ["order.paid"])
    off = _endpoint(store, "http://127.0.0.1:9/", ["order.created"])
    actions.do_update_webhook(off, actions.WebhookInput(url=off.url, events=off.events,
                                                        enabled=False))
    make_order(make_account().user, store)
    assert Delivery.objects.count() == 0


def test_a_rolled_back_change_queues_nothing() -> None:
    _, store = seller()
    _endpoint(store, "http://127.0.0.1:9/", ["order.created"])
    buyer = make_account().user
    with pytest.raises(RuntimeError), transaction.atomic():
        make_order(buyer, store)
        assert Delivery.objects.count() == 1
        raise RuntimeError("checkout failed later")
    assert Delivery.objects.count() == 0


def test_backoff_schedule_is_exact() -> None:
    assert [delivery.backoff_seconds(n) for n in range(1, 13)] == [
        10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600]
    offsets = delivery.schedule()
    assert offsets[:11] == [0, 10, 30, 70, 150, 310, 630, 1270, 2550, 5110, 8710]
    assert offsets[-1] == 84_310 and len(offsets) == 32  # 9 doubling gaps, then 22 hourly
    assert all(b - a == 3600 for a, b in itertools.pairwise(offsets[9:]))


def test_failures_retry_on_the_schedule_then_give_up_after_24_hours() -> None:
    _, store = seller()
    with webhook_receiver(*([500] * 40)) as receiver:
        hook = _endpoint(store, receiver.url, ["order.created"])
        make_order(make_account().user, store)
        item = Delivery.objects.get(webhook=hook)
        start = item.created_at
        seen = []
        while item.status == "pending":
            due = item.next_attempt_at
            assert delivery.deliver_due(now=due - timedelta(microseconds=1)) == 0
            assert delivery.deliver_due(now=due) == 1
            seen.append(round((due - start).total_seconds()))
            item.refresh_from_db()
        assert len(receiver.received) == 32
    assert seen == delivery.schedule()
    assert item.status == "failed" and item.attempts == 32 and item.next_attempt_at is None
    assert list(item.attempt_log.values_list("status_code", flat=True)) == [500] * 32
    assert item.attempt_log.first().error == "HTTP 500 Internal Server Error"
    assert delivery.deliver_due(now=start + timedelta(days=2)) == 0


def test_delivery_log_redeliver_and_test_ping_against_a_real_receiver() -> None:
    _, store = seller()
    with webhook_receiver(503, 200, 200, 404) as receiver:
        hook = _endpoint(store, receiver.url, ["order.created"])
        make_order(make_account().user, store)
        first = Delivery.objects.get(webhook=hook)
        delivery.deliver_due()
        first.refresh_from_db()
        assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 503)
        delivery.deliver_due(now=first.next_attempt_at)
        first.refresh_from_db()
        assert (first.status, first.attempts, first.last_status_code) == ("delivered", 2, 200)
        again = delivery.do_redeliver(first)
        assert delivery.deliver_due() == 1
        ping = delivery.do_test_ping(hook)
    codes = [(a.number, a.status_code) for a in first.attempt_log.all()]
    assert codes == [(1, 503), (2, 200)]
    assert all(a.duration_ms >= 0 and a.duration_ms < 5000 for a in first.attempt_log.all())
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["type"] for b in bodies] == ["order.created"] * 3 + ["ping"]
    assert bodies[0] == bodies[1]  # retries send the same bytes
    assert bodies[2]["id"] == bodies[0]["id"] and bodies[2]["isRedelivery"] is True
    assert bodies[2]["deliveryId"] == again.public_id != first.public_id
    again.refresh_from_db()
    assert (again.status, again.attempts, again.redelivery_of_id) == ("delivered", 1, first.pk)
    # The ping is sent once and logged; the receiver's 404 makes it failed, not retried.
    assert (ping.status, ping.attempts, ping.last_status_code) == ("failed", 1, 404)
    assert bodies[3]["data"] == {"message": "Test ping from CryptoShop."}


def test_an_unreachable_receiver_is_a_logged_failure() -> None:
    _, store = seller()
    with webhook_receiver() as receiver:
        url = receiver.url
    hook = _endpoint(store, url, ["order.created"])  # nothing listens there any more
    make_order(make_account().user, store)
    delivery.deliver_due()
    item = Delivery.objects.get(webhook=hook)
    [attempt] = item.attempt_log.all()
    assert attempt.status_code is None and attempt.error.startswith("ConnectionRefusedError")
    assert item.status == "pending"
    assert item.next_attempt_at == attempt.at + timedelta(seconds=10)


def test_old_finished_deliveries_are_purged() -> None:
    _, store = seller()
    with webhook_receiver() as receiver:
        _endpoint(store, receiver.url, ["order.created"])
        make_order(make_account().user, store)
        delivery.deliver_due()
    assert delivery.purge_old(now=timezone.now() + timedelta(days=29)) == 0
    assert delivery.purge_old(now=timezone.now() + timedelta(days=31)) == 2  # + its attempt
    assert Delivery.objects.count() == 0


def test_pinned_connection_goes_to_the_checked_address() -> None:
    with webhook_receiver() as receiver:
        target = targets.resolve(receiver.url.replace("127.0.0.1", "localhost"),
                                 allow_private=True)
        assert target.host == "localhost" and target.address in ("127.0.0.1", "::1")
        pinned = targets.Target(target.scheme, "localhost", target.port, "/hooks",
                                "127.0.0.1")
        outcome = targets.post(pinned, b"{}", {"Content-Type": "application/json"}, 5)
    assert outcome.ok and outcome.status_code == 200
    assert receiver.received[0].headers["Host"] == f"localhost:{target.port}"


def _webhook_counts(client: Client) -> dict[tuple[str, str], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    found = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            if sample.name == "cryptoshop_webhook_deliveries_total":
                found[(sample.labels["event"], sample.labels["outcome"])] = sample.value
    return found


def test_each_attempt_is_counted_on_metrics(client: Client) -> None:
    _, store = seller()
    before = _webhook_counts(client)
    with webhook_receiver(500) as receiver:
        hook = _endpoint(store, receiver.url, ["order.created"])
        make_order(make_account().user, store)
        delivery.deliver_due()
        delivery.deliver_due(now=Delivery.objects.get(webhook=hook).next_attempt_at)
    after = _webhook_counts(client)
    moved = {k: after[k] - before.get(k, 0.0) for k in after if after[k] != before.get(k)}
    assert moved == {("order.created", "failed"): 1.0, ("order.created", "ok"): 1.0}
