"""Socket.IO rooms, session authentication and publish() against the real server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import pytest
import socketio

from tests.realtime.conftest import ROOT, Browser, Live, Server, free_port, session_for

PAYLOAD = {"type": "payment_detected", "paidSat": 21_000, "txid": "ab" * 32}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_buyer_joins_own_order_room_and_gets_events_from_the_request_thread(
        server: Server) -> None:
    order = server.world["order"]

    async def scenario() -> None:
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            ack = await live.subscribe(f"order-{order}")
            assert ack == {"joined": [f"order-{order}"], "refused": []}
            sent = time.time()
            answer = await asyncio.to_thread(server.publish, f"order-{order}",
                                             "transaction-event", PAYLOAD)
            assert answer["transport"] == "local"
            name, data, received = await live.next_event(timeout=2)
            assert name == "transaction-event"
            assert data == {**PAYLOAD, "room": f"order-{order}"}
            assert received - sent < 2
        finally:
            await live.close()

    run(scenario())


def test_seller_of_the_order_may_join_its_room(server: Server) -> None:
    order = server.world["order"]

    async def scenario() -> None:
        live = await Live().connect(server.base, session_for(server, "seller"))
        try:
            assert (await live.subscribe(f"order-{order}"))["joined"] == [f"order-{order}"]
        finally:
            await live.close()

    run(scenario())


def test_strangers_and_anonymous_sockets_are_refused_and_hear_nothing(server: Server) -> None:
    room = f"order-{server.world['order']}"

    async def scenario() -> None:
        buyer = await Live().connect(server.base, session_for(server, "buyer"))
        stranger = await Live().connect(server.base, session_for(server, "stranger"))
        anonymous = await Live().connect(server.base)
        forged = await Live().connect(server.base, "x" * 32)  # no such session
        try:
            assert (await buyer.subscribe(room))["joined"] == [room]
            for other in (stranger, anonymous, forged):
                assert await other.subscribe(room) == {"joined": [], "refused": [room]}
            await asyncio.to_thread(server.publish, room, "notification",
                                    {"type": "payment_confirmed"})
            # The buyer's copy proves the event went out; the others got none.
            assert (await buyer.next_event())[1]["type"] == "payment_confirmed"
            for other in (stranger, anonymous, forged):
                assert await other.nothing_within(0.3)
        finally:
            for live in (buyer, stranger, anonymous, forged):
                await live.close()

    run(scenario())


def test_logged_in_socket_is_in_its_user_room_without_subscribing(server: Server) -> None:
    buyer_id = server.world["buyer"]["id"]
    stranger_id = server.world["stranger"]["id"]

    async def scenario() -> None:
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            await asyncio.to_thread(server.publish, f"user-{stranger_id}", "notification",
                                    {"type": "not_yours"})
            await asyncio.to_thread(server.publish, f"user-{buyer_id}", "notification",
                                    {"type": "address_generated"})
            name, data, _ = await live.next_event()
            assert (name, data["type"]) == ("notification", "address_generated")
            # Someone else's user room can't be joined either.
            ack = await live.subscribe(f"user-{stranger_id}", f"user-{buyer_id}")
            assert ack == {"joined": [f"user-{buyer_id}"], "refused": [f"user-{stranger_id}"]}
        finally:
            await live.close()

    run(scenario())


@pytest.mark.parametrize("via", ["thread", "atomic"])
def test_publish_from_a_background_thread_or_inside_a_transaction(server: Server,
                                                                  via: str) -> None:
    """`thread` is how the chain watcher publishes under `manage.py serve`; `atomic`
    defers the event to the commit."""
    room = f"order-{server.world['order']}"

    async def scenario() -> None:
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            await live.subscribe(room)
            sent = time.time()
            await asyncio.to_thread(server.publish, room, "transaction-event",
                                    {"type": "confirmation_update", "confirmations": 2}, via)
            _, data, received = await live.next_event()
            assert data["confirmations"] == 2
            assert received - sent < 2
        finally:
            await live.close()

    run(scenario())


def test_malformed_and_unknown_rooms_are_refused(server: Server) -> None:
    async def scenario() -> None:
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            rooms = ["order-o_doesnotexist", "nosuchprefix-abc", "order-", "ORDER-x",
                     "order-a b", "address-bcrt1qnotaninvoiceaddress000000000"]
            ack = await live.subscribe(*rooms)
            assert ack["joined"] == []
            assert sorted(ack["refused"]) == sorted(rooms)
            bad = dict(await live.client.call("subscribe", "not a dict", timeout=5))
            assert bad["joined"] == [] and "error" in bad
        finally:
            await live.close()

    run(scenario())


def test_a_logged_out_session_is_anonymous(server: Server) -> None:
    room = f"order-{server.world['order']}"
    browser = Browser(server.base)
    session = browser.login(server.world["buyer"]["token"])
    browser.logout()

    async def scenario() -> None:
        live = await Live().connect(server.base, session)
        try:
            assert await live.subscribe(room) == {"joined": [], "refused": [room]}
        finally:
            await live.close()

    run(scenario())


def test_subscribe_is_rate_limited_per_socket(server: Server) -> None:
    room = f"order-{server.world['order']}"

    async def scenario() -> None:
        live = await Live().connect(server.base, session_for(server, "buyer"))
        try:
            answers = [await live.subscribe(room) for _ in range(25)]
            assert answers[0]["joined"] == [room]
            assert answers[-1] == {"joined": [], "refused": [room], "error": "rate_limited"}
        finally:
            await live.close()

    run(scenario())


def test_cross_site_origins_are_refused(server: Server) -> None:
    async def scenario() -> None:
        same = await Live().connect(server.base, headers={"Origin": server.base})
        await same.close()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await Live().connect(server.base, headers={"Origin": "http://evil.example"})

    run(scenario())


PUBLISHER = """
import json, sys, time
import django
django.setup()
from cryptoshop.realtime import bus
started = time.time()
bus.publish(sys.argv[1], "transaction-event", {"type": "transaction_mined", "height": 101})
returned = time.time()
print(json.dumps({"transport": bus.transport(), "sent": started,
                  "blocked": returned - started, "flushed": bus.flush(2.0)}))
"""


def publish_from_another_process(server: Server, room: str, **env: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", PUBLISHER, room], cwd=ROOT,
                          env={**server.env, **env}, capture_output=True, text=True,
                          timeout=60, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_without_redis_another_process_drops_quietly(server: Server) -> None:
    result = publish_from_another_process(server, f"order-{server.world['order']}")
    assert result["transport"] == "none"
    assert result["blocked"] < 0.1


def test_an_unreachable_redis_never_blocks_or_breaks_the_caller(server: Server) -> None:
    result = publish_from_another_process(
        server, f"order-{server.world['order']}", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert result["transport"] == "redis"
    assert result["blocked"] < 0.1


def test_with_redis_an_event_from_another_process_arrives(redis_server: Server) -> None:
    room = f"order-{redis_server.world['order']}"
    assert redis_server.transport() == "redis"

    async def scenario() -> None:
        live = await Live().connect(redis_server.base, session_for(redis_server, "buyer"))
        try:
            await live.subscribe(room)
            result = await asyncio.to_thread(publish_from_another_process, redis_server, room)
            assert result["transport"] == "redis" and result["flushed"]
            assert result["blocked"] < 0.1  # the Redis round-trip happens off the caller
            name, data, received = await live.next_event(timeout=2)
            assert (name, data["type"], data["height"]) == ("transaction-event",
                                                            "transaction_mined", 101)
            assert received - result["sent"] < 2
            # And from inside the web process, the same path (through Redis) works too.
            await asyncio.to_thread(redis_server.publish, room, "notification",
                                    {"type": "payment_expired"}, "thread")
            assert (await live.next_event())[1]["type"] == "payment_expired"
        finally:
            await live.close()

    run(scenario())


def test_logging_out_while_connected_ends_private_rooms_at_the_next_subscribe(
        server: Server) -> None:
    room = f"order-{server.world['order']}"
    browser = Browser(server.base)
    session = browser.login(server.world["buyer"]["token"])

    async def scenario() -> None:
        live = await Live().connect(server.base, session)
        try:
            assert (await live.subscribe(room))["joined"] == [room]
            await asyncio.to_thread(browser.logout)
            assert await live.subscribe(room) == {"joined": [], "refused": [room]}
            await asyncio.to_thread(server.publish, room, "notification", {"type": "late"})
            await asyncio.to_thread(server.publish, f"user-{server.world['buyer']['id']}",
                                    "notification", {"type": "late"})
            assert await live.nothing_within(0.5)
        finally:
            await live.close()

    run(scenario())
