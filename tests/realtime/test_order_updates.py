"""`order:updated` and `notification` from real order changes made over HTTP (a checkout,
then a cancel): they reach the buyer's and the seller's sockets, and a third logged-in
user (and an anonymous socket) receives nothing."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.realtime.conftest import Browser, Live, Server

ORDER_EVENTS = ("order:updated",)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def connect(server: Server, session: str | None) -> Live:
    live = Live()
    for name in ORDER_EVENTS:  # the shared Live collects the older events only
        live.client.on(name, live._collector(name))
    return await live.connect(server.base, session)


async def events_until_quiet(live: Live, quiet: float = 0.8) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    while True:
        try:
            name, data, _ = await live.next_event(quiet)
        except TimeoutError:
            return out
        out.append((name, data))


def place_order(buyer: Browser) -> str:
    """The buyer orders the live e-book through the pages: cart, then checkout."""
    page = buyer.get("/search/?q=live")
    listing = re.search(r'/l/(l_[A-Za-z0-9_]+)/', page)
    assert listing, "the live e-book is not listed"
    buyer.post("/cart/add/", {"listing": listing.group(1), "quantity": "1"})
    done = buyer.post("/checkout/", {"note": ""})
    order = re.search(r'Order <span class="font-mono">(o_[A-Za-z0-9_]+)</span>', done)
    assert order, "checkout did not land on the order page"
    return order.group(1)


def test_order_changes_reach_buyer_and_seller_only(server: Server) -> None:
    buyer_http, seller_http, stranger_http = (Browser(server.base) for _ in range(3))
    sessions = {who: b.login(server.world[who]["token"]) for who, b in
                (("buyer", buyer_http), ("seller", seller_http), ("stranger", stranger_http))}

    async def scenario() -> None:
        buyer = await connect(server, sessions["buyer"])
        seller = await connect(server, sessions["seller"])
        stranger = await connect(server, sessions["stranger"])
        anonymous = await connect(server, None)
        try:
            order_id = await asyncio.to_thread(place_order, buyer_http)
            placed_seller = await events_until_quiet(seller)
            placed_buyer = await events_until_quiet(buyer)
            updated = [d for n, d in placed_seller if n == "order:updated"]
            assert updated and updated[0]["orderId"] == order_id
            assert updated[0]["status"] == "pending_payment"
            assert updated[0]["statusLabel"] == "Pending payment" and updated[0]["at"]
            assert set(updated[0]) == {"orderId", "status", "statusLabel", "at", "room"}
            assert [d["type"] for n, d in placed_seller if n == "notification"] == ["order_placed"]
            assert [n for n, _ in placed_buyer] == ["order:updated"]  # no notice to the buyer
            # The buyer cancels: the seller is told, both pages update.
            await asyncio.to_thread(buyer_http.post, f"/orders/{order_id}/cancel/",
                                    {"reason": "changed my mind"})
            cancelled_seller = await events_until_quiet(seller)
            cancelled_buyer = await events_until_quiet(buyer)
            assert {(n, d.get("status") or d.get("type")) for n, d in cancelled_seller} == {
                ("order:updated", "cancelled"), ("notification", "order_cancelled")}
            assert [(n, d["status"]) for n, d in cancelled_buyer] == [
                ("order:updated", "cancelled")]
            for outsider in (stranger, anonymous):
                assert await outsider.nothing_within(0.3)
            # Nor can they follow the order's room.
            room = f"order-{order_id}"
            assert (await stranger.subscribe(room))["refused"] == [room]
        finally:
            for live in (buyer, seller, stranger, anonymous):
                await live.close()

    run(scenario())


def test_marking_read_clears_the_badge_on_the_users_other_pages(server: Server) -> None:
    seller_http = Browser(server.base)
    session = seller_http.login(server.world["seller"]["token"])

    async def scenario() -> None:
        seller = await connect(server, session)
        seller.client.on("notification:read", seller._collector("notification:read"))
        try:
            page = await asyncio.to_thread(seller_http.get, "/notifications/")
            assert "Notifications" in page
            await asyncio.to_thread(seller_http.post, "/notifications/read-all/", {})
            got = await events_until_quiet(seller)
            # The world's seller has unread "new order" notices from live_world's checkouts.
            room = f"user-{server.world['seller']['id']}"
            assert got == [("notification:read", {"unread": 0, "room": room})]
        finally:
            await seller.close()

    run(scenario())
