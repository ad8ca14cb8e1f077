"""escrow:updated over Socket.IO: the escrow's parties may join its room (strangers may
not), and an escrow action taken through a page reaches both parties live."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.realtime.conftest import Browser, Live, Server, session_for


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_parties_join_the_escrow_room_and_strangers_are_refused(server: Server) -> None:
    room = f"escrow-{server.world['escrow']}"

    async def scenario() -> None:
        for who, joined in (("buyer", True), ("seller", True), ("stranger", False)):
            live = await Live().connect(server.base, session_for(server, who))
            try:
                ack = await live.subscribe(room)
                assert ack == ({"joined": [room], "refused": []} if joined
                               else {"joined": [], "refused": [room]}), who
            finally:
                await live.close()

    run(scenario())


def test_opening_a_dispute_reaches_both_parties_live(server: Server) -> None:
    escrow = server.world["escrow"]
    room = f"escrow-{escrow}"
    buyer_page = Browser(server.base)
    buyer_session = buyer_page.login(server.world["buyer"]["token"])

    async def scenario() -> None:
        buyer = await Live().connect(server.base, buyer_session)
        seller = await Live().connect(server.base, session_for(server, "seller"))
        stranger = await Live().connect(server.base, session_for(server, "stranger"))
        try:
            await buyer.subscribe(room)
            await asyncio.to_thread(buyer_page.get, f"/escrow/{escrow}/")
            await asyncio.to_thread(buyer_page.post, f"/escrow/{escrow}/dispute/",
                                    {"reason": "The e-book link does not work at all."})
            # The buyer hears it in the escrow room and in their user room; the seller in
            # theirs, without subscribing to anything.
            heard = [await buyer.next_event(timeout=3), await buyer.next_event(timeout=3)]
            assert {data["room"] for _name, data, _t in heard} == {
                room, f"user-{server.world['buyer']['id']}"}
            name, data, _t = await seller.next_event(timeout=3)
            assert name == "escrow:updated"
            assert data["type"] == "dispute_opened" and data["escrowId"] == escrow
            assert data["status"] == "disputed"
            assert data["room"] == f"user-{server.world['seller']['id']}"
            assert set(data) == {"type", "escrowId", "orderId", "status", "txid", "room"}
            assert await stranger.nothing_within(0.5)
        finally:
            for live in (buyer, seller, stranger):
                await live.close()

    run(scenario())
