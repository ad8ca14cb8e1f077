"""Payments benchmark: ``python bench/bench_payments.py`` (part of ``make bench``).

Starts its own regtest node (btcd from tools/bin, built by scripts/build-btcd.sh when
missing; bitcoind when it is on PATH) and throwaway SQLite databases under a temporary
CRYPTOSHOP_VAR_DIR, and measures, each figure against a baseline taken in the same run:

1. Broadcast → ``payment_detected`` latency in the browser, end to end on real servers
   (``manage.py serve`` with the demo shop of ``first_run``, the watcher in the web
   process polling every --poll-seconds): two servers on the same node, one hearing the
   node push (btcd's websocket, ADR 17), the other reaching the node through a relay
   (tests/tcp_relay.py) that cuts the websocket, so its watcher falls back to the poll.
   Payments alternate between them. For each, a buyer orders and takes a payment address
   over the JSON API, the order's pay page is opened in headless Chromium with the buyer's
   session cookie, and once live.js has joined its rooms the node broadcasts the payment;
   the clock stops when the page's own socket receives ``payment_detected`` (and, second
   figure, when live.js has redrawn the status: it waits 150 ms for a burst to settle,
   then fetches the fragment). A random pause before each broadcast spreads them over the
   poll cycle. Also block mined → ``payment_confirmed`` in the page. Baselines: the poll
   interval, and a publish → receive round trip through the same server and socket (the
   CRYPTOSHOP_TEST_HOOKS=1 publish endpoint, a python-socketio client).
2. Invoices created per second through ``payments.actions.do_create_invoice`` in-process
   (one store, one buyer, limits raised), against plain order creation
   (``orders.actions.do_checkout``) per second, interleaved in rounds.
3. The watcher's processing time per poll (``Watcher.poll()`` in-process, on the node's
   RPC, with every invoice above open): idle (nothing new; as a share of the poll
   interval); a block of --noise unrelated transactions; a block that also pays
   --block-payments invoices the watcher never saw unconfirmed (cold); the mempool poll
   that first sees another such batch; and the block that then confirms it (warm) — each
   against the decode-only floor (``chain.decode.decode_block`` of the same raw block, or
   ``decode_transaction`` of the same transactions).

Loopback only; everything it starts is stopped, also on errors and Ctrl+C. The server part
runs first and is stopped before the in-process parts, so they don't share the CPU.

Options: --payments N (20 per server), --invoices K (200), --block-payments M (200, at
most K), --noise T (200 per block), --poll-seconds S (default: the setting's own, 1),
--seed, --port-base P (loopback ports P … P+4 instead of ones the OS picks).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptoshop.btc import assert_native_secp256k1
from cryptoshop.btc.psbt import Outpoint, TxOutput, Utxo, build_p2wpkh_spend
from cryptoshop.chain.node_binary import find_node
from cryptoshop.chain.regtest import COINBASE_MATURITY, RegtestNode
from tests.tcp_relay import Relay

if TYPE_CHECKING:
    from cryptoshop.payments.models import Invoice

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SESSION_COOKIE = "cs_session"  # settings.SESSION_COOKIE_NAME without CRYPTOSHOP_HTTPS
RUNNER_TICK_S = 0.25  # cryptoshop.core.jobs.start_background_runner: how often jobs are due
FIXED_RATES = "USD:65000,EUR:60000"  # no price sites: the bench never leaves loopback
SELLER_MNEMONIC = ("abandon abandon abandon abandon abandon abandon abandon abandon "
                   "abandon abandon abandon about")
LATENCY_COIN_SAT = 50_000_000  # each latency payment spends one coin of 0.5 BTC
BLOCK_COIN_SAT = 1_000_000  # block payments and noise spend coins of 0.01 BTC
INVOICE_PRICE_SAT = 25_000
EVENT_TIMEOUT_S = 30.0
# The first BIP84 receive address of SELLER_MNEMONIC on regtest: where escrow refunds go.
REFUND_ADDRESS = "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"
CHROMIUM = os.environ.get("CRYPTOSHOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def log(message: str) -> None:
    print(message, flush=True)


def pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if len(ordered) < 2:
        only = ordered[0] if ordered else float("nan")
        return {"p50": only, "p95": only, "min": only, "max": only, "n": len(ordered)}
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": statistics.median(ordered), "p95": q[94], "min": ordered[0],
            "max": ordered[-1], "n": len(ordered)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- coins on the node ------------------------------------------------------------------------

def make_coins(node: RegtestNode, values: list[int]) -> list[Utxo]:
    """One confirmed transaction that splits mature coinbase coins into outputs of
    ``values`` paying the harness key, so payments need no chain scan to find coins."""
    node.ensure_mature_coins(COINBASE_MATURITY + 1)
    need = sum(values) + 1_000_000
    chosen: list[Utxo] = []
    for coin in sorted(node.spendable_utxos(), key=lambda u: u.value_sat, reverse=True):
        chosen.append(coin)
        if sum(c.value_sat for c in chosen) >= need:
            break
    else:
        node.mine(max(1, need // 5_000_000_000 + 1))
        return make_coins(node, values)
    script = node.miner_script
    tx = build_p2wpkh_spend(node.miner_key, chosen, [TxOutput(script, v) for v in values],
                            change_script=script, sat_per_vb=2, rbf=False)
    txid = node.rpc.broadcast(tx.serialize().hex())
    node.mine(1)
    return [Utxo(Outpoint(txid, n), v, script) for n, v in enumerate(values)]


def noise_tx(node: RegtestNode, coin: Utxo, rnd: random.Random) -> str:
    """A payment from ``coin`` to a random P2WPKH script nobody watches (raw hex)."""
    spk = b"\x00\x14" + rnd.randbytes(20)
    value = rnd.randint(20_000, coin.value_sat // 2)
    tx = build_p2wpkh_spend(node.miner_key, [coin], [TxOutput(spk, value)],
                            change_script=node.miner_script, sat_per_vb=rnd.choice([1, 2, 5]),
                            rbf=rnd.random() < 0.5)
    return str(tx.serialize().hex())


def broadcast_mixed(node: RegtestNode, coins: Iterator[Utxo], rnd: random.Random,
                    targets: Sequence[Any], noise: int) -> list[str]:
    """Pay each target invoice and ``noise`` unrelated transactions, in shuffled order (as
    a real mempool mixes them); one coin each. Returns the raw transactions sent."""
    raws = [noise_tx(node, next(coins), rnd) for _ in range(noise)]
    for inv in targets:
        raw, _ = node.build_payment(inv.address, inv.amount_sat, utxos=[next(coins)],
                                    rbf=rnd.random() < 0.5)
        raws.append(raw)
    rnd.shuffle(raws)
    for raw in raws:
        node.rpc.broadcast(raw)
    return raws


# --- 1. latency on the real server ------------------------------------------------------------

@dataclass
class ServerHandle:
    base: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PY, *args], cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def server_env(base: dict[str, str], var_dir: Path, node: RegtestNode, n: int,
               rpc_port: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in base.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CRYPTOSHOP_CACHE_PREFIX"}}
    s = node.state
    limit = str(10 * n + 100)
    env.update({
        "CRYPTOSHOP_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
        "CRYPTOSHOP_LOG_LEVEL": "WARNING", "CRYPTOSHOP_FIXED_RATES": FIXED_RATES,
        "CRYPTOSHOP_NETWORK": "regtest", "CRYPTOSHOP_CHAIN_BACKEND": "rpc",
        "CRYPTOSHOP_RPC_URL": f"http://127.0.0.1:{rpc_port or s.rpc_port}",
        "CRYPTOSHOP_RPC_USER": s.rpc_user, "CRYPTOSHOP_RPC_PASSWORD": s.rpc_password,
        "CRYPTOSHOP_RPC_COOKIE_FILE": "",
        "CRYPTOSHOP_WATCHER_IN_WEB": "1", "CRYPTOSHOP_CHAIN_PUSH": "on",
        # The publish endpoint for the baseline round trip (loopback callers only).
        "CRYPTOSHOP_TEST_HOOKS": "1",
        # One buyer places all the orders: lift the per-account and per-IP limits.
        "CRYPTOSHOP_CHECKOUT_LIMIT_PER_ACCOUNT": limit,
        "CRYPTOSHOP_INVOICE_LIMIT_PER_ACCOUNT": limit,
        "CRYPTOSHOP_INVOICE_LIMIT_PER_IP": limit,
        "CRYPTOSHOP_MAX_OPEN_INVOICES": limit, "CRYPTOSHOP_MAX_PENDING_ORDERS": limit,
    })
    return env


@contextlib.contextmanager
def running_server(var_dir: Path, env: dict[str, str], port: int = 0,
                   ) -> Iterator[ServerHandle]:
    """migrate + first_run (the demo shop with regtest wallets), then `manage.py serve`."""
    _run(env, "manage.py", "migrate", "--noinput")
    _run(env, "manage.py", "first_run")
    port = port or free_port()
    handle = ServerHandle(f"http://127.0.0.1:{port}", env, var_dir / "server.log")
    out = open(handle.log_path, "w")  # noqa: SIM115 (closed below)
    try:
        handle.proc = subprocess.Popen(  # noqa: S603 (manage.py serve on loopback)
            [PY, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(  # noqa: S310 (loopback)
                    handle.base + "/api/health", timeout=2) as answer:
                if answer.status == 200:
                    break
            if handle.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + handle.log_path.read_text()[-4000:])
            time.sleep(0.2)
        yield handle
    finally:
        if handle.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(handle.proc.pid, signal.SIGTERM)
            try:
                handle.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(handle.proc.pid, signal.SIGKILL)
                handle.proc.wait()
        out.close()


class Api:
    """The JSON API as a client sees it (bearer session from /api/auth/login)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.bearer = ""
        self.refund_address = ""  # set when paying into escrow

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,  # noqa: S310
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310 (loopback)
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: HTTP {exc.code} {exc.read()[:500]!r}") from exc

    def login_new_buyer(self) -> str:
        """Register an anonymous account and open an API session; returns the session key
        (what the browser's session cookie holds)."""
        token = self.call("POST", "/api/auth/register", {})["data"]["token"]
        session = self.call("POST", "/api/auth/login", {"token": token})["data"]["sessionToken"]
        self.bearer = str(session)
        return self.bearer.removeprefix("css_")

    def pick_product(self, max_sat: int) -> dict[str, Any]:
        """A demo listing a buyer can order again and again: digital, priced in sats, from
        a store paid directly (an escrow store needs the buyer's escrow key first)."""
        found = self.call("GET", "/api/products?kind=digital&limit=100")["data"]
        fits = sorted((p for p in found if p["priceMode"] == "sat" and p["priceSat"]
                       and p["priceSat"] <= max_sat and p["stock"] is None),
                      key=lambda p: p["priceSat"])
        for product in fits:
            try:
                self.order_and_invoice(product["id"])
            except RuntimeError as exc:
                if "escrow_key_required" in str(exc):
                    continue
                raise
            return dict(product)
        if not fits:
            raise RuntimeError("the demo shop has no unlimited digital listing priced in sats")
        # Only escrow stores sell them: pay into escrow, with a key of the buyer's own.
        self.register_escrow_key()
        self.order_and_invoice(fits[0]["id"])
        return dict(fits[0])

    def register_escrow_key(self) -> None:
        from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
        from cryptoshop.btc.networks import REGTEST

        root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
        path = f"m/48h/1h/{random.randrange(1000, 2**30)}h/2h"  # noqa: S311 (test data)
        self.call("POST", "/api/escrow/keys", {
            "key": key_origin(root, path) + account_xpub(root, path, REGTEST),
            "kind": "external"})
        self.refund_address = REFUND_ADDRESS

    def order_and_invoice(self, product_id: str) -> dict[str, Any]:
        orders = self.call("POST", "/api/orders",
                           {"items": [{"productId": product_id, "quantity": 1}]})
        order_id = orders["data"]["orders"][0]["id"]
        body = {"orderId": order_id}
        if self.refund_address:
            body["refundAddress"] = self.refund_address
        invoice = self.call("POST", "/api/bitcoin/address", body)["data"]
        return dict(invoice)

    def publish(self, room: str, data: dict[str, Any]) -> None:
        body = {"room": room, "event": "transaction-event", "data": data, "via": "thread"}
        self.call("POST", "/__test__/publish", body)


class Live:
    """A python-socketio client authenticated by the session cookie, collecting events."""

    def __init__(self) -> None:
        import socketio

        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[tuple[dict[str, Any], float]] = asyncio.Queue()

        async def collect(data: dict[str, Any]) -> None:
            await self.inbox.put((data, time.perf_counter()))

        self.client.on("transaction-event", collect)

    async def connect(self, base: str, session_key: str) -> Live:
        await self.client.connect(base, headers={"Cookie": f"{SESSION_COOKIE}={session_key}"},
                                  transports=["websocket"], socketio_path="socket.io",
                                  wait_timeout=10)
        return self

    async def subscribe(self, room: str) -> None:
        ack = await self.client.call("subscribe", {"rooms": [room]}, timeout=10)
        if room not in ack.get("joined", []):
            raise RuntimeError(f"could not join {room}: {ack}")

    async def wait_for(self, match: Callable[[dict[str, Any]], bool],
                       timeout: float = EVENT_TIMEOUT_S) -> float:
        """perf_counter() at which the first matching event arrived."""
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("no matching event")
            data, at = await asyncio.wait_for(self.inbox.get(), remaining)
            if match(data):
                return at

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.disconnect()


def _is_ping(seq: int, data: dict[str, Any]) -> bool:
    return data.get("type") == "bench_ping" and data.get("seq") == seq


def _is_event(order_id: str, kind: str, data: dict[str, Any]) -> bool:
    return data.get("orderId") == order_id and data.get("type") == kind


@dataclass
class Arm:
    """One server configuration of the latency part: its own demo shop and buyer."""

    label: str
    base: str
    poll_seconds: float
    api: Api = field(init=False)
    key: str = ""
    product: dict[str, Any] = field(default_factory=dict)
    detected_ms: list[float] = field(default_factory=list)  # the page got the event
    shown_ms: list[float] = field(default_factory=list)  # the page's status was redrawn
    confirmed_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api = Api(self.base)


# Added to the pay page after live.js joined its rooms: when the page's own socket gets the
# events, and when live.js has redrawn the status (it waits 150 ms for a burst to settle,
# then fetches the fragment). Wall-clock ms, the same clock as the broadcast's.
PAGE_HOOK = """() => {
  window.__bench = {detected: null, confirmed: null, shown: null};
  window.CryptoShopLive.socket.on("transaction-event", (d) => {
    if (d.type === "payment_detected" && window.__bench.detected === null)
      window.__bench.detected = Date.now();
    if (d.type === "payment_confirmed" && window.__bench.confirmed === null)
      window.__bench.confirmed = Date.now();
  });
  document.addEventListener("live:updated", () => {
    if (window.__bench.detected !== null && window.__bench.shown === null)
      window.__bench.shown = Date.now();
  });
}"""


async def round_trip_baseline(arm: Arm) -> list[float]:
    """publish → receive through the same server process and socket (python-socketio)."""
    first = await asyncio.to_thread(arm.api.order_and_invoice, arm.product["id"])
    live = await Live().connect(arm.base, arm.key)
    round_trips: list[float] = []
    try:
        room = f"order-{first['orderId']}"
        await live.subscribe(room)
        for seq in range(25):
            sent = time.perf_counter()
            await asyncio.to_thread(arm.api.publish, room, {"type": "bench_ping", "seq": seq})
            got = await live.wait_for(partial(_is_ping, seq))
            if seq >= 5:  # the first few warm up the connection and the thread pool
                round_trips.append((got - sent) * 1000)
            await asyncio.sleep(0.02)
    finally:
        await live.close()
    return round_trips


async def browser_payment(arm: Arm, context: Any, node: RegtestNode, coin: Utxo,
                          rnd: random.Random) -> None:
    """One order paid while its pay page is open in Chromium: broadcast → the page's
    socket gets payment_detected (and the status is redrawn); a block → payment_confirmed."""
    invoice = await asyncio.to_thread(arm.api.order_and_invoice, arm.product["id"])
    order_id, amount = invoice["orderId"], int(invoice["amountSat"])
    raw, _ = await asyncio.to_thread(node.build_payment, invoice["address"], amount,
                                     utxos=[coin])
    page = await context.new_page()
    try:
        await page.goto(f"{arm.base}/orders/{order_id}/pay/")
        await page.wait_for_selector("[data-live-indicator][data-live-state=live]",
                                     timeout=EVENT_TIMEOUT_S * 1000)
        await page.evaluate(PAGE_HOOK)
        cycle = arm.poll_seconds + RUNNER_TICK_S
        # Land anywhere in the watcher's poll cycle, not just after the last poll.
        await asyncio.sleep(rnd.uniform(0, cycle))
        t0 = time.time() * 1000
        await asyncio.to_thread(node.rpc.broadcast, raw)
        await page.wait_for_function("() => window.__bench.shown !== null",
                                     timeout=EVENT_TIMEOUT_S * 1000)
        got = await page.evaluate("window.__bench")
        arm.detected_ms.append(got["detected"] - t0)
        arm.shown_ms.append(got["shown"] - t0)
        await asyncio.sleep(rnd.uniform(0, cycle))
        t2 = time.time() * 1000
        await asyncio.to_thread(node.mine, 1)
        await page.wait_for_function("() => window.__bench.confirmed !== null",
                                     timeout=EVENT_TIMEOUT_S * 1000)
        arm.confirmed_ms.append(await page.evaluate("window.__bench.confirmed") - t2)
    except Exception as exc:  # a timeout: count it, settle the coin, go on
        arm.failures.append(order_id)
        log(f"[latency] {arm.label}: payment for {order_id} failed: {exc}")
        await asyncio.to_thread(node.mine, 1)
    finally:
        await page.close()


async def latency_phase(arms: list[Arm], node: RegtestNode, coins: list[Utxo],
                        rnd: random.Random) -> list[float]:
    """The payments, alternating between the arms (so background load hits both alike),
    each on its pay page in one headless Chromium. Returns the baseline round trips."""
    from playwright.async_api import async_playwright

    for arm in arms:
        arm.key = await asyncio.to_thread(arm.api.login_new_buyer)
        arm.product = await asyncio.to_thread(arm.api.pick_product, LATENCY_COIN_SAT // 2)
    log(f"[latency] buyers logged in; paying for “{arms[0].product['title']}” "
        f"({arms[0].product['priceSat']:,} sat)")
    round_trips = await round_trip_baseline(arms[0])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            contexts = []
            for arm in arms:
                # wait_for_function compiles its predicate in the page, which our CSP forbids.
                context = await browser.new_context(bypass_csp=True)
                await context.add_cookies([{"name": SESSION_COOKIE, "value": arm.key,
                                            "url": arm.base}])
                contexts.append(context)
            per_arm = len(coins) // len(arms)
            for i in range(per_arm):
                for j, (arm, context) in enumerate(zip(arms, contexts, strict=True)):
                    await browser_payment(arm, context, node, coins[i * len(arms) + j], rnd)
                if (i + 1) % 5 == 0:
                    log(f"[latency] {i + 1}/{per_arm} rounds: " + ", ".join(
                        f"{a.label} p50 {statistics.median(a.detected_ms):.0f} ms"
                        for a in arms if a.detected_ms))
        finally:
            await browser.close()
    return round_trips


# --- in-process Django (parts 2 and 3) ----------------------------------------------------------

def setup_django(var_dir: Path, node: RegtestNode) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "CRYPTOSHOP_CACHE_PREFIX"):
        os.environ.pop(name, None)
    s = node.state
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
        "CRYPTOSHOP_VAR_DIR": str(var_dir), "CRYPTOSHOP_LOG_LEVEL": "WARNING",
        "CRYPTOSHOP_FIXED_RATES": FIXED_RATES, "CRYPTOSHOP_NETWORK": "regtest",
        "CRYPTOSHOP_CHAIN_BACKEND": "rpc", "CRYPTOSHOP_RPC_URL": f"http://127.0.0.1:{s.rpc_port}",
        "CRYPTOSHOP_RPC_USER": s.rpc_user, "CRYPTOSHOP_RPC_PASSWORD": s.rpc_password,
        "CRYPTOSHOP_RPC_COOKIE_FILE": "",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@dataclass
class InvoiceResult:
    checkout_s: float = 0.0
    invoice_s: float = 0.0
    count: int = 0
    timed: list[Invoice] = field(default_factory=list)  # made inside the timed rounds
    extra: list[Invoice] = field(default_factory=list)  # warm-up and untimed extras


def invoice_phase(k: int, extra: int, rounds: int = 4) -> InvoiceResult:
    """Time K do_checkout calls (the baseline) and K do_create_invoice calls on the orders
    they made, interleaved in rounds so background load hits both alike. Then make
    ``extra`` more invoices, untimed, for the block part."""
    from django.conf import settings
    from django.core.cache import cache
    from django.test import override_settings

    from cryptoshop.accounts.actions import do_register
    from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
    from cryptoshop.btc.networks import REGTEST
    from cryptoshop.cart.actions import do_add_to_cart
    from cryptoshop.cart.models import Cart
    from cryptoshop.catalog.actions import ListingInput, do_create_listing
    from cryptoshop.catalog.models import Category
    from cryptoshop.orders.actions import CheckoutInput, do_checkout
    from cryptoshop.payments.actions import PayoutInput, do_create_invoice, do_set_payout
    from cryptoshop.stores.actions import StoreInput, do_open_store

    ip = "127.0.0.1"
    big = 100 * (k + extra) + 1000
    limits = {scope: (big, window) for scope, (_, window) in settings.RATE_LIMITS.items()}
    result = InvoiceResult()
    with override_settings(RATE_LIMITS=limits, MAX_OPEN_INVOICES=big, MAX_PENDING_ORDERS=big):
        cache.clear()
        seller = do_register(display_name=None, client_ip=ip)
        buyer = do_register(display_name=None, client_ip=ip).user
        store = do_open_store(seller.user, StoreInput(name="Bench Payments Store"))
        root = root_from_mnemonic(SELLER_MNEMONIC, REGTEST)
        path = "m/84h/1h/0h"
        do_set_payout(store, PayoutInput(
            descriptor=key_origin(root, path) + account_xpub(root, path, REGTEST),
            required_confirmations=1, mode="direct"))
        category, _ = Category.objects.get_or_create(slug="ebooks",
                                                     defaults={"name": "E-books"})
        listing = do_create_listing(store, ListingInput(
            title="A benchmark e-book", category=category.slug, price_sat=INVOICE_PRICE_SAT,
            status="active", kind="digital", digital_text="the goods",
            description="Made by bench_payments.py."))
        checkout = CheckoutInput(shipping={})

        def carts(count: int) -> list[Cart]:
            made = []
            for _ in range(count):
                cart = Cart.objects.create()  # an anonymous cart, as POST /api/orders uses
                do_add_to_cart(cart, listing.public_id, 1, user=buyer)
                made.append(cart)
            return made

        def untimed(count: int) -> list[Invoice]:
            orders = [do_checkout(buyer, cart, checkout, client_ip=ip)[0]
                      for cart in carts(count)]
            return [do_create_invoice(order, buyer, client_ip=ip) for order in orders]

        # Warm-up: imports, query compilation, the RPC connection.
        result.extra.extend(untimed(5))
        per_round = max(1, k // rounds)
        while result.count < k:
            batch = carts(min(per_round, k - result.count))
            started = time.perf_counter()
            orders = [do_checkout(buyer, cart, checkout, client_ip=ip)[0] for cart in batch]
            result.checkout_s += time.perf_counter() - started
            started = time.perf_counter()
            made = [do_create_invoice(order, buyer, client_ip=ip) for order in orders]
            result.invoice_s += time.perf_counter() - started
            result.timed.extend(made)
            result.count += len(made)
        result.extra.extend(untimed(extra))
        every = result.timed + result.extra
        assert len({inv.address for inv in every}) == len(every)
        assert all(inv.amount_sat == INVOICE_PRICE_SAT for inv in every)
    return result


@dataclass
class PollFigures:
    label: str
    txs: int
    size: int
    payments: int
    poll_s: float
    decode_s: float  # the floor: decoding the same raw block (or transactions)
    fetch_decode_s: float  # fetching them over RPC and decoding
    changed: int


def _block_floor(backend: Any, height: int) -> tuple[int, int, float, float]:
    from cryptoshop.chain.decode import decode_block

    block_hash = backend.get_block_hash(height)
    raw = backend.get_raw_block(block_hash)
    decode = fetch = float("inf")
    txs = 0
    for _ in range(5):
        started = time.perf_counter()
        txs = len(decode_block(raw, height).transactions)
        decode = min(decode, time.perf_counter() - started)
    for _ in range(3):
        started = time.perf_counter()
        backend.get_block(height)
        fetch = min(fetch, time.perf_counter() - started)
    return txs, len(raw), decode, fetch


def _mempool_floor(backend: Any, raws: list[str]) -> tuple[int, float, float]:
    from cryptoshop.chain.decode import decode_transaction

    blobs = [bytes.fromhex(r) for r in raws]
    txids = [decode_transaction(b).txid for b in blobs]
    decode = fetch = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for blob in blobs:
            decode_transaction(blob)
        decode = min(decode, time.perf_counter() - started)
    started = time.perf_counter()
    backend.get_mempool_txids()
    for txid in txids:
        backend.get_transaction(txid)
    fetch = time.perf_counter() - started
    return sum(len(b) for b in blobs), decode, fetch


def block_phase(node: RegtestNode, cold: list[Invoice], warm: list[Invoice],
                coins: list[Utxo], noise: int, rnd: random.Random,
                ) -> tuple[list[PollFigures], int, float]:
    """One Watcher.poll() per situation, each against decoding the same data:
    an idle poll (nothing new: what every poll interval costs, median of 5);
    a block of noise only; a block with payments the watcher never saw unconfirmed (cold:
    e.g. after downtime); the mempool poll that first sees the next batch of payments; and
    the block that then confirms them (warm: the usual case)."""
    from cryptoshop.chain import configured
    from cryptoshop.core.startup import freeze_startup_objects
    from cryptoshop.payments.models import Invoice as InvoiceModel
    from cryptoshop.payments.watcher import Watcher

    backend = configured.backend()
    watcher = Watcher(backend, "regtest")
    watcher.poll()  # catch up to the tip (the blocks since the invoices were made)
    freeze_startup_objects()  # as `manage.py worker` does before its loop
    open_invoices = InvoiceModel.objects.filter(status=InvoiceModel.Status.NEW).count()
    coin_iter = iter(coins)
    figures: list[PollFigures] = []

    def broadcast(targets: list[Invoice]) -> list[str]:
        return broadcast_mixed(node, coin_iter, rnd, targets, noise)

    def timed_poll(expect_blocks: int) -> tuple[float, list[str]]:
        started = time.perf_counter()
        result = watcher.poll()
        elapsed = time.perf_counter() - started
        if result.blocks != expect_blocks:
            raise RuntimeError(f"the watcher processed {result.blocks} block(s), "
                               f"expected {expect_blocks}")
        return elapsed, result.changed_invoices

    def mined_block(label: str, payments: int) -> None:
        [block_hash] = node.mine(1)
        if node.rpc.get_mempool_txids():
            raise RuntimeError("the node left transactions out of the block")
        poll_s, changed = timed_poll(1)
        height = backend.get_block_height(block_hash)
        assert height is not None
        txs, size, decode_s, fetch_s = _block_floor(backend, height)
        figures.append(PollFigures(label, txs, size, payments, poll_s, decode_s, fetch_s,
                                   len(changed)))
        log(f"[block] {label}: {txs} txs, {size / 1000:.0f} kB: poll {poll_s * 1000:.0f} ms, "
            f"decode {decode_s * 1000:.1f} ms")

    idle = statistics.median(timed_poll(0)[0] for _ in range(5))
    log(f"[block] idle poll with {open_invoices} open invoices: {idle * 1000:.0f} ms")
    broadcast([])
    mined_block("block, noise only", 0)
    broadcast(cold)
    mined_block(f"block, {len(cold)} payments unseen + noise", len(cold))
    raws = broadcast(warm)
    poll_s, changed = timed_poll(0)
    size, decode_s, fetch_s = _mempool_floor(backend, raws)
    figures.append(PollFigures(f"mempool, {len(warm)} payments + noise", len(raws), size,
                               len(warm), poll_s, decode_s, fetch_s, len(changed)))
    log(f"[block] mempool: {len(raws)} txs: poll {poll_s * 1000:.0f} ms, "
        f"decode {decode_s * 1000:.1f} ms")
    mined_block(f"block, {len(warm)} payments seen + noise", len(warm))

    paid = [i.pk for i in cold + warm]
    settled = InvoiceModel.objects.filter(pk__in=paid, status=InvoiceModel.Status.SETTLED)
    if settled.count() != len(paid):
        raise RuntimeError(f"only {settled.count()} of {len(paid)} paid invoices settled")
    return figures, open_invoices, idle


# --- report -------------------------------------------------------------------------------------

def report(poll_seconds: int, arms: list[Arm], round_trips: list[float],
           inv: InvoiceResult | None, polls: list[PollFigures], open_invoices: int,
           idle_s: float, node_kind: str) -> None:
    rows: list[tuple[str, str, str]] = []
    # The job runner wakes every RUNNER_TICK_S, so 0 means "every tick".
    interval_ms = max(poll_seconds, RUNNER_TICK_S) * 1000
    if round_trips:
        rtt = pcts(round_trips)
        rows.append(("publish → receive round trip (baseline)",
                     f"p50 {rtt['p50']:.1f} ms, p95 {rtt['p95']:.1f} ms", f"n={rtt['n']}"))
    for arm in arms:
        if not arm.detected_ms:
            continue
        for what, values in (("broadcast → payment_detected in the page", arm.detected_ms),
                             ("broadcast → status redrawn (+150 ms debounce)", arm.shown_ms),
                             ("block mined → payment_confirmed in the page",
                              arm.confirmed_ms)):
            got = pcts(values)
            rows.append((f"{arm.label}: {what} (n={got['n']})",
                         f"p50 {got['p50']:,.0f} ms, p95 {got['p95']:,.0f} ms",
                         f"{got['p50'] / interval_ms:.2f} / {got['p95'] / interval_ms:.2f} × "
                         f"poll interval"))
    if inv is not None and inv.count:
        checkout_rate = inv.count / inv.checkout_s
        invoice_rate = inv.count / inv.invoice_s
        rows.append(("orders/s, do_checkout (baseline)", f"{checkout_rate:,.0f} /s",
                     f"n={inv.count}"))
        rows.append(("invoices/s, do_create_invoice", f"{invoice_rate:,.0f} /s",
                     f"{invoice_rate / checkout_rate:.2f} × checkout"))
    if polls:
        rows.append(("watcher poll: idle (nothing new)", f"{idle_s * 1000:,.0f} ms",
                     f"{idle_s * 1000 / interval_ms:.3f} × poll interval"))
    for p in polls:
        per = f"; {p.poll_s / p.payments * 1000:.1f} ms per payment" if p.payments else ""
        rows.append((f"watcher poll: {p.label} ({p.txs} txs, {p.size / 1000:.0f} kB)",
                     f"{p.poll_s * 1000:,.0f} ms",
                     f"{p.poll_s / p.decode_s:.1f} × decode-only ({p.decode_s * 1000:.1f} ms; "
                     f"fetch + decode {p.fetch_decode_s * 1000:.1f} ms){per}"))
    if not rows:
        return
    width = max(len(r[0]) for r in rows)
    mid = max(len(r[1]) for r in rows)
    log(f"\n== Payments: {node_kind} regtest, SQLite; watcher poll every {poll_seconds} s "
        f"(job tick {RUNNER_TICK_S} s); {open_invoices} open invoices while polling ==")
    for name, value, ratio in rows:
        log(f"  {name:<{width}}  {value:<{mid}}  {ratio}")


def run_latency(tmp: Path, base_env: dict[str, str], node: RegtestNode, coins: list[Utxo],
                poll_seconds: int, port_base: int, rnd: random.Random,
                ) -> tuple[list[Arm], list[float], bool]:
    """Two servers on the same node, the payments alternating between them: one hears
    the node push (btcd's websocket), the other reaches the node through a relay that
    cuts the websocket (push on but disconnected: the poll governs)."""
    relay = Relay(node.state.rpc_port, ports=[port_base + 2] if port_base else range(0, 1))
    relay.cut_websocket()
    n = len(coins) // 2
    envs = []
    for name, rpc_port in (("push", None), ("cut", relay.port)):
        var_dir = tmp / f"server-{name}"
        var_dir.mkdir()
        envs.append((var_dir, server_env(base_env, var_dir, node, n, rpc_port)))
    try:
        with running_server(*envs[0], port=port_base) as pushed, \
                running_server(*envs[1], port=port_base + 1 if port_base else 0) as cut:
            log(f"[latency] servers up at {pushed.base} (push) and {cut.base} (push cut at "
                f"the relay on port {relay.port}); watcher polling every {poll_seconds} s")
            arms = [Arm("push", pushed.base, poll_seconds),
                    Arm("push cut (poll)", cut.base, poll_seconds)]
            round_trips = asyncio.run(latency_phase(arms, node, coins, rnd))
    except Exception as exc:
        log(f"[latency] failed: {exc}")
        return [], [], True
    finally:
        relay.close()
    return arms, round_trips, any(a.failures for a in arms)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--payments", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--block-payments", type=int, default=200)
    parser.add_argument("--noise", type=int, default=200)
    parser.add_argument("--poll-seconds", type=int, default=None,
                        help="CRYPTOSHOP_WATCHER_POLL_SECONDS for the server "
                             "(default: the setting's own default)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--port-base", type=int, default=0,
                        help="loopback ports from here (two servers, a relay, the node's "
                             "RPC and P2P: 5 ports) instead of ones the OS picks")
    args = parser.parse_args()
    m = min(args.block_payments, args.invoices)
    if args.poll_seconds is not None:
        os.environ["CRYPTOSHOP_WATCHER_POLL_SECONDS"] = str(max(0, args.poll_seconds))
    # Ctrl+C or SIGTERM still stops the server and the node and removes temp files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    assert_native_secp256k1()
    rnd = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
    started = time.perf_counter()
    log(f"Payments benchmark: {args.payments} live payments, {args.invoices} invoices, "
        f"blocks of {m} payments + {args.noise} noise txs")
    base_env = dict(os.environ)
    status = 0
    arms: list[Arm] = []
    round_trips: list[float] = []
    inv: InvoiceResult | None = None
    polls: list[PollFigures] = []
    open_invoices = 0
    idle_s = 0.0
    with tempfile.TemporaryDirectory(prefix="cs-bench-pay-") as tmp:
        ports = (args.port_base + 3, args.port_base + 4) if args.port_base else None
        node = RegtestNode.start(Path(tmp) / "node", binary=find_node(), ports=ports)
        try:
            node.rpc.check_network()
            node.ensure_mature_coins(COINBASE_MATURITY + 3)
            values = ([LATENCY_COIN_SAT] * 2 * args.payments
                      + [BLOCK_COIN_SAT] * (2 * m + 3 * args.noise))
            coins = make_coins(node, values)
            log(f"[node] {node.state.kind} at height {node.rpc.get_tip().height}, "
                f"{len(coins)} coins ready ({time.perf_counter() - started:.0f} s)")
            app_dir = Path(tmp) / "app"
            app_dir.mkdir()
            setup_django(app_dir, node)
            from django.conf import settings

            poll_seconds = int(settings.WATCHER_POLL_SECONDS)

            if args.payments > 0:
                arms, round_trips, failed = run_latency(
                    Path(tmp), base_env, node, coins[:2 * args.payments], poll_seconds,
                    args.port_base, rnd)
                status = 1 if failed else status

            log(f"[invoices] {args.invoices} orders and invoices in-process "
                f"({time.perf_counter() - started:.0f} s)")
            inv = invoice_phase(args.invoices, extra=m)
            log(f"[block] watcher polls ({time.perf_counter() - started:.0f} s)")
            polls, open_invoices, idle_s = block_phase(
                node, inv.timed[:m], inv.extra[-m:] if m else [], coins[2 * args.payments:],
                args.noise, rnd)
        finally:
            node.stop()
    report(poll_seconds, arms, round_trips, inv, polls, open_invoices, idle_s,
           node.state.kind)
    log(f"(whole run: {time.perf_counter() - started:.0f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
