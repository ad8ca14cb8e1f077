"""The live staff dashboard over Socket.IO, from the real periodic jobs of a served shop:
`metrics:update` every turn, and `alert:raised` / `alert:cleared` when a component goes bad
and comes back — here the one price source, a local HTTP server that stops answering (its
quote goes stale) and then answers again. Staff with 2FA in `staff-dashboard` hear all of
it; buyers, sellers and anonymous sockets can't join the room and hear nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.price_server import PriceServer, price_server, serve_all
from tests.realtime.conftest import Live, Server, session_for, staff_browser, start_server

__all__ = ["price_server"]  # the fixture, used by name below

log = logging.getLogger(__name__)
ROOM = "staff-dashboard"
DASHBOARD_EVENTS = ("metrics:update", "alert:raised", "alert:cleared")
KRAKEN_USD = "/kraken/0/public/Ticker?pair=XBTUSD"
SOURCE = "price:kraken"


@pytest.fixture
def shop(tmp_path_factory: pytest.TempPathFactory,
         price_server: PriceServer) -> Iterator[tuple[Server, PriceServer]]:
    """A shop whose jobs run: a dashboard turn and a rate refresh every second, quotes
    stale after three seconds, one source (the local price server)."""
    serve_all(price_server)
    yield from ((server, price_server) for server in start_server(
        tmp_path_factory.mktemp("dashboard-var"), {
            "CRYPTOSHOP_LIVE_DASHBOARD_SECONDS": "1",
            "CRYPTOSHOP_FIXED_RATES": "", "CRYPTOSHOP_RATE_SOURCES": "kraken",
            "CRYPTOSHOP_RATE_SOURCE_URLS": f"kraken={price_server.url}/kraken",
            "CRYPTOSHOP_RATE_CURRENCIES": "USD", "CRYPTOSHOP_RATE_MIN_SOURCES": "1",
            "CRYPTOSHOP_RATE_REFRESH_SECONDS": "1", "CRYPTOSHOP_RATE_MAX_AGE_SECONDS": "3",
            "CRYPTOSHOP_RATE_TIMEOUT_SECONDS": "0.5",
        }, jobs=True))


def listening(live: Live) -> Live:
    for name in DASHBOARD_EVENTS:
        live.client.on(name, live._collector(name))
    return live


def _field(data: dict[str, Any], key: str) -> Any:
    if key.startswith("components."):
        return data.get("components", {}).get(key.split(".", 1)[1])
    return data.get(key)


async def wait_for(live: Live, seconds: float, event: str,
                   **match: Any) -> tuple[dict[str, Any], list[str]]:
    """The first `event` whose data has `match` (an "components.<name>" key looks inside the
    update's components), and the names of everything heard before it."""
    heard: list[str] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            name, data, _t = await live.next_event(timeout=left)
        except TimeoutError:
            break
        heard.append(name)
        if name == event and all(_field(data, key) == value for key, value in match.items()):
            return data, heard
    raise AssertionError(f"no {event} {match} within {seconds} s; heard {heard}")


def test_updates_and_alerts_reach_staff_only(shop: tuple[Server, PriceServer]) -> None:
    server, prices = shop
    _page, staff_session = staff_browser(server)

    async def scenario() -> None:
        staff = listening(await Live().connect(server.base, staff_session))
        others = {who: listening(await Live().connect(server.base, session_for(server, who)))
                  for who in ("buyer", "seller")}
        others["anonymous"] = listening(await Live().connect(server.base))
        try:
            assert await staff.subscribe(ROOM) == {"joined": [ROOM], "refused": []}
            for who, live in others.items():
                ack = await live.subscribe(ROOM)
                assert ack["joined"] == [] and ack["refused"] == [ROOM], who
            log.info("staff joined %s; buyer, seller and anonymous were refused", ROOM)

            update, _ = await wait_for(staff, 15, "metrics:update",
                                       **{"components." + SOURCE: "up"})
            assert update["components"]["database"] == "up"
            assert update["clients"] >= 1 and len(update["ordersPerMinute"]) == 30
            log.info("metrics:update: %s is up, %d client(s)", SOURCE, update["clients"])

            prices.set(KRAKEN_USD, {"error": ["EService:Unavailable"]}, status=503)
            raised, _ = await wait_for(staff, 20, "alert:raised", component=SOURCE)
            assert raised["state"] == "degraded" and "stale" in raised["message"]
            log.info("alert:raised: %s", raised["message"])

            serve_all(prices)
            cleared, _ = await wait_for(staff, 20, "alert:cleared", component=SOURCE)
            assert cleared["state"] == "up"
            log.info("alert:cleared: %s", cleared["message"])

            for who, live in others.items():
                assert await live.nothing_within(0.2), f"{who} heard the staff room"
        finally:
            for live in [staff, *others.values()]:
                await live.close()

    asyncio.run(scenario())
