"""Conversation rooms over Socket.IO: only an order thread's buyer and seller may join
`thread-<id>`; a message written through the page reaches them as `message:new` (with no
text in it) and the other side's `notification`, and nobody else."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.realtime.conftest import Browser, Live, Server, session_for


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def listening(live: Live) -> Live:
    live.client.on("message:new", live._collector("message:new"))
    return live


def thread_of_order(server: Server, page: Browser) -> str:
    html = page.get(f"/messages/order/{server.world['order']}/")  # made on first use
    match = re.search(r'data-live-rooms="thread-(t_[0-9a-f]+)"', html)
    assert match, html[:500]
    return match.group(1)


async def drain(live: Live, seconds: float) -> list[tuple[str, dict[str, Any]]]:
    got: list[tuple[str, dict[str, Any]]] = []
    while True:
        try:
            name, data, _t = await live.next_event(timeout=seconds)
        except TimeoutError:
            return got
        got.append((name, data))


def test_thread_rooms_admit_the_parties_only(server: Server) -> None:
    buyer_page = Browser(server.base)
    buyer_page.login(server.world["buyer"]["token"])
    room = f"thread-{thread_of_order(server, buyer_page)}"

    async def scenario() -> None:
        for who, joined in (("buyer", True), ("seller", True), ("stranger", False)):
            live = await Live().connect(server.base, session_for(server, who))
            try:
                ack = await live.subscribe(room, "thread-t_0000000000000000")
                assert ack == {"joined": [room] if joined else [],
                               "refused": ([] if joined else [room])
                               + ["thread-t_0000000000000000"]}, who
            finally:
                await live.close()

    run(scenario())


def test_a_new_message_reaches_the_parties_and_nobody_else(server: Server) -> None:
    buyer_page = Browser(server.base)
    buyer_page.login(server.world["buyer"]["token"])
    thread = thread_of_order(server, buyer_page)
    room = f"thread-{thread}"
    seller_page = Browser(server.base)
    seller_session = seller_page.login(server.world["seller"]["token"])

    async def scenario() -> None:
        buyer = listening(await Live().connect(server.base, session_for(server, "buyer")))
        seller = listening(await Live().connect(server.base, seller_session))
        stranger = listening(await Live().connect(server.base, session_for(server, "stranger")))
        try:
            await buyer.subscribe(room)
            await seller.subscribe(room)
            await stranger.subscribe(room)  # refused
            await asyncio.to_thread(seller_page.get, f"/messages/{thread}/")
            await asyncio.to_thread(seller_page.post, f"/messages/{thread}/",
                                    {"text": "Shipped today, secret tracking QZX-SECRET."})
            heard = await drain(buyer, 1.5)
            names = sorted(name for name, _data in heard)
            assert names == ["message:new", "notification"], heard
            new = next(data for name, data in heard if name == "message:new")
            assert new["room"] == room and new["threadId"] == thread
            assert new["role"] == "seller" and new["messageId"].startswith("m_")
            assert set(new) == {"threadId", "messageId", "role", "at", "room"}  # no text
            notice = next(data for name, data in heard if name == "notification")
            assert notice["type"] == "message_new" and notice["link"] == f"/messages/{thread}/"
            assert "QZX-SECRET" not in str(notice) and "QZX-SECRET" not in str(new)
            mine = await drain(seller, 0.5)
            assert [name for name, _d in mine] == ["message:new"]  # no notice to the author
            assert await stranger.nothing_within(0.5)
        finally:
            for live in (buyer, seller, stranger):
                await live.close()

    run(scenario())
