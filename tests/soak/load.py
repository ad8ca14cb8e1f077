"""Scripted buyers and sellers over real HTTP and Socket.IO, through the proxy.

Buyers browse (home page, catalogue API, a listing page), search, add to the cart, check
out, take the invoice, open the pay page's live connection (Socket.IO, WebSocket only, the
session cookie as the browser sends it), pay with a real regtest transaction and wait for
the live event. Sellers ship what was paid. Every answer is a Sample in Stats; every order
the shop acknowledged (201) and every payment made goes into the ledger that
shopdata.verify checks afterwards.

One asyncio loop drives them all: a user costs a coroutine, not a thread, which leaves
the 2-core machine to the shop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from tests.soak.stats import LiveEvent, Sample, Stats
from tests.soak.wallet import Wallet, WalletEmpty

SESSION_COOKIE = "cs_session"
SESSION_PREFIX = "css_"
# The invoice pays from one 200 000 sat coin: carts above this are emptied, not bought.
MAX_ORDER_SAT = 150_000
LIVE_WAIT_S = 30.0
RAMP_S = 15.0
# Seconds a buyer spends on a page before the next (reading, choosing): 200 of them make
# about 45 requests a second, more than this 2-core machine serves at ease.
THINK_S = (3.0, 8.0)


@dataclass
class Ledger:
    orders: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    shipped: int = 0
    unpaid_wallet_empty: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"orders": self.orders, "payments": self.payments}


@dataclass
class Shop:
    base: str
    http: aiohttp.ClientSession
    stats: Stats
    ledger: Ledger
    wallet: Wallet
    data: dict[str, Any]
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def call(self, name: str, method: str, path: str, session: str = "",
                   body: Any = None) -> tuple[int | None, Any]:
        headers = {"Authorization": f"Bearer {session}"} if session else {}
        started = time.monotonic()
        status: int | None = None
        error = ""
        payload: Any = None
        try:
            async with self.http.request(method, self.base + path, json=body,
                                         headers=headers) as answer:
                status = answer.status
                raw = await answer.read()
                if answer.content_type == "application/json":
                    payload = json.loads(raw)
        except TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as exc:
            error = f"conn:{type(exc).__name__}"
        self.stats.samples.append(Sample(name, started, time.monotonic(), status, error))
        return status, payload


async def think(shop: Shop, low: float = THINK_S[0], high: float = THINK_S[1]) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(shop.stopping.wait(), random.uniform(low, high))


async def buyer(shop: Shop, session: str, rng: random.Random, checkout_p: float) -> None:
    await think(shop, 0, RAMP_S)  # users arrive over the ramp, not all in one second
    while not shop.stopping.is_set():
        started = time.monotonic()
        try:
            await buyer_visit(shop, session, rng, checkout_p)
        except Exception as exc:  # a bug in this script must show, not end the user
            shop.stats.samples.append(Sample("buyer script", started, time.monotonic(), None,
                                             f"script:{type(exc).__name__}"))
            await think(shop)


async def buyer_visit(shop: Shop, session: str, rng: random.Random, checkout_p: float
                      ) -> None:
    products = shop.data["products"]
    await shop.call("home page", "GET", "/")
    await think(shop)
    page = rng.randint(1, 3)
    await shop.call("api products", "GET", f"/api/products?page={page}&limit=20")
    word = rng.choice(shop.data["words"])
    if rng.random() < 0.5:
        await shop.call("search page", "GET", f"/search/?q={word}")
    else:
        await shop.call("api search", "GET", f"/api/products?q={word}")
    await think(shop)
    item = rng.choice(products)
    await shop.call("listing page", "GET", item["url"])
    await think(shop)
    status, _ = await shop.call("cart add", "POST", "/api/cart", session,
                                {"productId": item["id"], "quantity": rng.randint(1, 2)})
    if status == 201 and rng.random() < checkout_p:
        await checkout(shop, session)
    await think(shop)


async def checkout(shop: Shop, session: str) -> None:
    status, cart = await shop.call("cart", "GET", "/api/cart", session)
    if status != 200:
        return
    stores = cart["data"]["stores"]
    if any(s["itemsSat"] + 5_000 > MAX_ORDER_SAT for s in stores):
        await shop.call("cart empty", "DELETE", "/api/cart", session)
        return
    shipping = [{"storeId": s["store"]["id"], "shippingOptionId": s["shippingOptions"][0]["id"]}
                for s in stores if s["needsShipping"]]
    status, placed = await shop.call("checkout", "POST", "/api/orders", session, {
        "fromCart": True, "shipping": shipping, "shippingAddress": "1 Soak Street, Testville"})
    if status != 201:
        return
    for order in placed["data"]["orders"]:
        shop.ledger.orders.append({
            "id": order["id"], "itemsSat": order["itemsSat"], "shippingSat": order["shippingSat"],
            "items": [[i["productId"], i["quantity"]] for i in order["items"]]})
    for order in placed["data"]["orders"]:
        status, invoice = await shop.call("invoice", "POST", "/api/bitcoin/address", session,
                                          {"orderId": order["id"]})
        if status in (200, 201):
            await pay_and_watch(shop, session, order["id"], invoice["data"])


class PayPage:
    """The pay page's live connection as live.js makes it: WebSocket only, the session
    cookie, rooms joined on every (re)connect, and a catch-up look at the order after a
    reconnect (events sent while the socket was away are missed, as in the browser)."""

    def __init__(self, shop: Shop, session: str, order_id: str, address: str) -> None:
        self.shop, self.session, self.order_id, self.address = shop, session, order_id, address
        self.live = asyncio.Event()  # the payment's event arrived over the socket
        self.caught_up = asyncio.Event()  # a look after a reconnect showed it
        self.connects = 0
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=1,
                                        reconnection_delay_max=5, handle_sigint=False)
        self.sio.on("transaction-event", self._event)
        self.sio.on("connect", self._connected)
        self._tasks: set[asyncio.Task[None]] = set()

    async def _event(self, data: dict[str, Any]) -> None:
        if data.get("address") == self.address and data.get("type") in (
                "payment_detected", "payment_confirmed", "transaction_mined"):
            self.live.set()

    async def _connected(self) -> None:
        self.connects += 1
        if self.connects > 1:  # not inside the handler: the ack needs the receive loop
            task = asyncio.create_task(self._rejoin())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _rejoin(self) -> None:
        with contextlib.suppress(Exception):
            await self.subscribe()
            status, order = await self.shop.call("order", "GET", f"/api/orders/{self.order_id}",
                                                 self.session)
            if status == 200 and (order["data"].get("payment") or {}).get("status") in (
                    "processing", "settled"):
                self.caught_up.set()

    async def subscribe(self) -> None:
        await self.sio.call("subscribe", {"rooms": [f"order-{self.order_id}",
                                                    f"address-{self.address}"]}, timeout=10)

    async def open(self) -> str:
        """"" when connected and subscribed, else the error kind."""
        started = time.monotonic()
        cookie = f"{SESSION_COOKIE}={self.session.removeprefix(SESSION_PREFIX)}"
        error = ""
        try:
            await self.sio.connect(self.shop.base, transports=["websocket"], wait_timeout=10,
                                   headers={"Cookie": cookie}, retry=False)
            await self.subscribe()
        except (socketio.exceptions.SocketIOError, TimeoutError, OSError) as exc:
            error = f"socket:{type(exc).__name__}"
        self.shop.stats.samples.append(Sample("socket connect", started, time.monotonic(),
                                              None if error else 101, error))
        return error

    async def wait(self, timeout: float) -> tuple[bool, float | None]:
        started = time.monotonic()
        live = asyncio.create_task(self.live.wait())
        later = asyncio.create_task(self.caught_up.wait())
        await asyncio.wait([live, later], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        live.cancel()
        later.cancel()
        took = time.monotonic() - started
        return self.live.is_set(), took if self.live.is_set() or self.caught_up.is_set() else None

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


async def pay_and_watch(shop: Shop, session: str, order_id: str, invoice: dict[str, Any]
                        ) -> None:
    """The pay page: live connection open, pay, wait for the payment's event."""
    address, amount = invoice["address"], invoice["amountSat"]
    page = PayPage(shop, session, order_id, address)
    socket_error = await page.open()
    try:
        txid, raw = await asyncio.to_thread(shop.wallet.sign, address, amount)
    except WalletEmpty:
        shop.ledger.unpaid_wallet_empty += 1
        await page.close()
        return
    shop.ledger.payments.append({"txid": txid, "address": address, "amountSat": amount,
                                 "orderId": order_id})
    paid_at = time.monotonic()
    await asyncio.to_thread(shop.wallet.broadcast, raw)
    live, delay = (False, None) if socket_error else await page.wait(LIVE_WAIT_S)
    shop.stats.live.append(LiveEvent(paid_at, live, delay))
    await page.close()


async def seller(shop: Shop, session: str) -> None:
    while not shop.stopping.is_set():
        status, paid = await shop.call("seller orders", "GET",
                                       "/api/orders?role=seller&status=paid&limit=50", session)
        if status == 200:
            for order in paid["data"]:
                status, _ = await shop.call("ship", "PUT", f"/api/orders/{order['id']}",
                                            session, {"status": "shipped"})
                shop.ledger.shipped += status == 200
        await think(shop, 3, 6)


def start_users(shop: Shop, users: int, checkout_p: float) -> list[asyncio.Task[None]]:
    sellers = shop.data["sellers"]
    buyers = shop.data["buyers"][: max(1, users - len(sellers))]
    tasks = [asyncio.create_task(seller(shop, s["session"])) for s in sellers]
    for n, b in enumerate(buyers):
        rng = random.Random(n)
        tasks.append(asyncio.create_task(buyer(shop, b["session"], rng, checkout_p)))
    return tasks
