"""Support ticket rooms over Socket.IO: only the ticket's opener and staff (with 2FA) may
join `ticket-<id>`; a reply reaches them as `support:new_message` (no text in it), a staff
answer also brings the opener a `ticket_replied` notice, and an internal note is published
to nobody."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.realtime.conftest import Browser, Live, Server, _run, session_for, staff_browser

MAKE_TICKET = """
import json, django; django.setup()
from cryptoshop.accounts.models import User
from cryptoshop.support.actions import do_open
buyer = User.objects.get(public_id={buyer!r})
ticket = do_open(buyer, "payment", "Paid but pending", "The QZX-SECRET payment")
print(json.dumps({{"ticket": ticket.public_id}}))
"""


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def listening(live: Live) -> Live:
    live.client.on("support:new_message", live._collector("support:new_message"))
    return live


def staff_and_ticket(server: Server) -> tuple[Browser, str, str]:
    """A staff account with 2FA logged in over HTTP (token, then a fresh code), and a
    ticket the world's buyer opened. Returns the staff browser, its session and the id."""
    page, session = staff_browser(server)
    out = _run(server.env, "-c", MAKE_TICKET.format(buyer=server.world["buyer"]["id"]))
    ticket = json.loads(out.strip().splitlines()[-1])["ticket"]
    assert ticket in page.get("/support/staff/")  # really staff now
    return page, session, ticket


async def drain(live: Live, seconds: float) -> list[tuple[str, dict[str, Any]]]:
    got: list[tuple[str, dict[str, Any]]] = []
    while True:
        try:
            name, data, _t = await live.next_event(timeout=seconds)
        except TimeoutError:
            return got
        got.append((name, data))


def test_ticket_rooms_admit_the_opener_and_staff_only(server: Server) -> None:
    _page, staff_session, ticket = staff_and_ticket(server)
    room = f"ticket-{ticket}"

    async def scenario() -> None:
        sessions = {"buyer": session_for(server, "buyer"), "staff": staff_session,
                    "seller": session_for(server, "seller"),
                    "stranger": session_for(server, "stranger")}
        for who, session in sessions.items():
            joined = who in ("buyer", "staff")
            live = await Live().connect(server.base, session)
            try:
                ack = await live.subscribe(room, "ticket-tk_0000000000000000")
                assert ack == {"joined": [room] if joined else [],
                               "refused": ([] if joined else [room])
                               + ["ticket-tk_0000000000000000"]}, who
            finally:
                await live.close()

    run(scenario())


def test_new_messages_reach_the_opener_and_staff_and_nobody_else(server: Server) -> None:
    staff_page, staff_session, ticket = staff_and_ticket(server)
    room = f"ticket-{ticket}"
    buyer_page = Browser(server.base)
    buyer_session = buyer_page.login(server.world["buyer"]["token"])

    async def scenario() -> None:
        buyer = listening(await Live().connect(server.base, buyer_session))
        staff = listening(await Live().connect(server.base, staff_session))
        stranger = listening(await Live().connect(server.base, session_for(server, "stranger")))
        try:
            for live in (buyer, staff, stranger):
                await live.subscribe(room)  # the stranger is refused
            url = f"/support/staff/{ticket}/"
            await asyncio.to_thread(staff_page.get, url)
            await asyncio.to_thread(staff_page.post, url, {"text": "Seen it, QZX-ANSWER."})
            heard = await drain(buyer, 1.5)
            assert sorted(name for name, _d in heard) == ["notification", "support:new_message"]
            new = next(data for name, data in heard if name == "support:new_message")
            assert set(new) == {"ticketId", "messageId", "authorRole", "at", "room"}  # no text
            assert new["room"] == room and new["ticketId"] == ticket
            assert new["authorRole"] == "staff" and new["messageId"].startswith("tm_")
            notice = next(data for name, data in heard if name == "notification")
            assert notice["type"] == "ticket_replied" and notice["link"] == f"/support/{ticket}/"
            assert "QZX" not in str(heard)
            assert [name for name, _d in await drain(staff, 0.5)] == ["support:new_message"]
            # An internal note is published to nobody.
            await asyncio.to_thread(staff_page.post, url, {"text": "note", "internal": "on"})
            assert await buyer.nothing_within(0.7) and await staff.nothing_within(0.1)
            # The opener's reply reaches staff.
            await asyncio.to_thread(buyer_page.get, f"/support/{ticket}/")
            await asyncio.to_thread(buyer_page.post, f"/support/{ticket}/", {"text": "Thanks"})
            from_user = await drain(staff, 1.5)
            assert [(n, d["authorRole"]) for n, d in from_user] == [
                ("support:new_message", "user")]
            assert await stranger.nothing_within(0.3)
        finally:
            for live in (buyer, staff, stranger):
                await live.close()

    run(scenario())
