"""Sockets leave rooms when the server says so: a room closed (a recycled payment address
moved on to another buyer) and a session that ended (logout), with and without Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.realtime.conftest import Browser, Live, Server

PAYLOAD = {"type": "payment_detected", "paidSat": 21_000, "txid": "cd" * 32}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(params=["local", "redis"])
def any_server(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue("server" if request.param == "local" else "redis_server")


def test_a_closed_room_is_left_and_hears_nothing_more(any_server: Server) -> None:
    server = any_server
    room = f"order-{server.world['order']}"

    async def scenario() -> None:
        live = await Live().connect(server.base, Browser(server.base).login(
            server.world["buyer"]["token"]))
        try:
            assert (await live.subscribe(room))["joined"] == [room]
            await asyncio.to_thread(server.close_room, room)
            await asyncio.to_thread(server.publish, room, "transaction-event", PAYLOAD)
            assert await live.nothing_within(1.0)
            # Still allowed (the order's buyer): joining again works and hears events.
            assert (await live.subscribe(room))["joined"] == [room]
            await asyncio.to_thread(server.publish, room, "transaction-event", PAYLOAD)
            name, data, _ = await live.next_event(timeout=2)
            assert name == "transaction-event" and data["txid"] == PAYLOAD["txid"]
        finally:
            await live.close()

    run(scenario())


def test_logout_drops_that_sessions_sockets_from_their_rooms_at_once(any_server: Server) -> None:
    server = any_server
    room = f"order-{server.world['order']}"
    user_room = f"user-{server.world['buyer']['id']}"

    async def scenario() -> None:
        leaving, staying = Browser(server.base), Browser(server.base)
        gone = await Live().connect(server.base, leaving.login(server.world["buyer"]["token"]))
        kept = await Live().connect(server.base, staying.login(server.world["buyer"]["token"]))
        try:
            for live in (gone, kept):
                assert (await live.subscribe(room))["joined"] == [room]
            await asyncio.to_thread(leaving.logout)
            await asyncio.sleep(0.3)  # the re-check goes out after the logout's commit
            # No subscribe in between: the logged-out socket hears nothing at once.
            for target in (room, user_room):
                await asyncio.to_thread(server.publish, target, "transaction-event", PAYLOAD)
                assert (await kept.next_event(timeout=2))[0] == "transaction-event"
            assert await gone.nothing_within(0.5)
            # The buyer's other session is untouched; the ended one can join nothing.
            assert (await gone.subscribe(room))["joined"] == []
        finally:
            for live in (gone, kept):
                await live.close()

    run(scenario())
