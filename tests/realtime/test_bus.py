"""publish() in a process without a Socket.IO server or Redis: input checks, never raises."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
from django.test import override_settings

from cryptoshop.payments.models import Invoice
from cryptoshop.realtime import bus, publish
from cryptoshop.realtime.rooms import is_valid_room, may_join, register_room_authorizer


@override_settings(REDIS_URL="")
def test_publish_without_a_transport_drops_at_debug_and_returns(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="cryptoshop.realtime.bus")
    publish("order-o_0123456789abcdef", "transaction-event",
            {"type": "payment_detected", "amount": Decimal("0.1")})
    assert bus.transport() == "none"
    assert "dropped" in caplog.text


@pytest.mark.parametrize("room, event, data, logged", [
    ("order o_1", "notification", {}, "invalid room name"),
    ("order-o_1", "", {}, "invalid event name"),
    ("order-o_1", "notification", {"x": object()}, "could not be published"),  # not JSON
    ("order-o_1", "notification", ["not", "a", "dict"], "data must be a dict"),
    ("order-o_1", "notification", {"x": "y" * 100_000}, "too big"),
])
def test_bad_input_is_logged_never_raised(room: str, event: str, data: object, logged: str,
                                          caplog: pytest.LogCaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, str, object]] = []
    monkeypatch.setattr(bus, "_send", lambda *args: sent.append(args))
    caplog.set_level(logging.DEBUG, logger="cryptoshop.realtime.bus")
    publish(room, event, data)  # type: ignore[arg-type]  # returns: nothing raised
    assert sent == []  # nothing published
    problems = [r for r in caplog.records
                if r.name == "cryptoshop.realtime.bus" and r.levelno >= logging.WARNING]
    assert [r.levelname for r in problems] in (["WARNING"], ["ERROR"]), caplog.text
    assert logged in problems[0].getMessage(), caplog.text


def test_good_input_is_handed_to_the_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterpart of the test above: the same call with good input is sent."""
    sent: list[tuple[str, str, object]] = []
    monkeypatch.setattr(bus, "_send", lambda *args: sent.append(args))
    publish("order-o_1", "notification", {"x": 1})
    assert sent == [("order-o_1", "notification", {"x": 1, "room": "order-o_1"})]


def test_the_redis_queue_holds_a_big_block_of_events_while_redis_is_slow(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A block settling 500 payments publishes ~4,500 events at once (9 per payment); the
    sender thread hands them to Redis one PUBLISH at a time, so the queue must hold such a
    burst instead of dropping events. Here nothing drains the queue (no sender thread, as
    when Redis hangs): every event waits in it, none is dropped."""
    sender = bus._RedisSender("redis://127.0.0.1:9/0", "test-channel")
    monkeypatch.setattr(sender, "_ensure_thread", lambda: None)
    caplog.set_level(logging.WARNING, logger="cryptoshop.realtime.bus")
    for n in range(4_500):
        sender.submit(f"order-o_{n}", "order:updated", {"n": n})
    assert "queue full" not in caplog.text
    assert sender.queue.qsize() == 4_500


@pytest.mark.parametrize("data", [
    {"orderId": "o_1", "status": "paid", "paidSat": 21_000, "txid": None, "ok": True},
    {"label": "caf\u00e9 \u2603 \"quoted\" <b>"},
    {"amount": Decimal("0.1"), "nested": {"a": [1, 2]}},  # converted by the JSON path
    {"status": Invoice.Status.SETTLED},  # a str subclass: the JSON path makes it a str
    {"x": 1.5},
])
def test_every_payload_is_a_plain_json_copy(data: dict[str, object]) -> None:
    """Whichever path copies it, the payload is what the JSON round trip gives, of plain
    types, and later changes to the caller's dict don't reach it."""
    payload = bus._prepare("order-o_1", "order:updated", data)
    expected = {**json.loads(bus._ENCODER.encode(data)), "room": "order-o_1"}
    assert payload == expected
    assert all(type(v) in (str, int, bool, float, dict, type(None)) for v in payload.values())
    data["later"] = "change"
    assert "later" not in payload


def test_room_names() -> None:
    assert is_valid_room("order-o_0123456789abcdef")
    assert is_valid_room("address-bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
    for bad in ["", "order-", "-x", "Order-x", "order-a b", "order-\"x\"", 5, None, "x" * 300]:
        assert not is_valid_room(bad)


def test_register_room_authorizer_checks_the_prefix() -> None:
    with pytest.raises(ValueError, match="room prefix"):
        register_room_authorizer("order", lambda user, key: True)
    assert not may_join(None, "order-o_1")  # anonymous: never
