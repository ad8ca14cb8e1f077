"""Live-events tier: the real ASGI app (Django + Socket.IO) under uvicorn in a subprocess,
with its own throwaway SQLite database, and the real python-socketio client.

Data is made through the actions in the server's environment (tests.factories.live_world);
logging in happens over HTTP like a browser; events are published inside the server through
the test-only hook (CRYPTOSHOP_TEST_HOOKS=1) or, with Redis, from a separate process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
import socketio

from cryptoshop.accounts import totp
from tests.servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]
SESSION_COOKIE = "cs_session"  # settings.SESSION_COOKIE_NAME without CRYPTOSHOP_HTTPS
EVENTS = ("transaction-event", "notification", "escrow:updated")


# free_port lives in tests/servers.py (shared with the browser tier).
@dataclass
class Server:
    base: str
    env: dict[str, str]
    world: dict[str, Any]
    log: Path

    def publish(self, room: str, event: str, data: dict[str, Any],
                via: str = "request") -> dict[str, Any]:
        """Call bus.publish inside the server process (test hook)."""
        body = json.dumps({"room": room, "event": event, "data": data, "via": via}).encode()
        request = urllib.request.Request(self.base + "/__test__/publish", data=body,  # noqa: S310 (loopback)
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
            return dict(json.loads(answer.read()))

    def close_room(self, room: str) -> dict[str, Any]:
        """Call bus.close_room inside the server process (test hook)."""
        body = json.dumps({"room": room, "event": "", "data": {}, "control": "leave"}).encode()
        request = urllib.request.Request(self.base + "/__test__/publish", data=body,  # noqa: S310 (loopback)
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
            return dict(json.loads(answer.read()))

    def transport(self) -> str:
        with urllib.request.urlopen(self.base + "/__test__/publish", timeout=5) as answer:  # noqa: S310
            return str(json.loads(answer.read())["transport"])


def _server_env(var_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CRYPTOSHOP_CACHE_PREFIX"}}
    env.update({
        "CRYPTOSHOP_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
        "CRYPTOSHOP_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "config.settings",
        # Nothing in tests may reach the internet: a fixed rate, no price sites, no chain.
        "CRYPTOSHOP_FIXED_RATES": "USD:65000", "CRYPTOSHOP_CHAIN_BACKEND": "none",
        "CRYPTOSHOP_TEST_HOOKS": "1",
        # Every test logs in over HTTP from 127.0.0.1; the login limit is not tested here.
        "CRYPTOSHOP_LOGIN_LIMIT_PER_IP": "1000",
    })
    env.update(extra)
    return env


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_server(var_dir: Path, extra: dict[str, str], *,
                 jobs: bool = False) -> Iterator[Server]:
    """A served shop with the live world in it; periodic jobs off unless asked for (their
    events would interleave with the ones a test publishes)."""
    env = _server_env(var_dir, extra)
    _run(env, "manage.py", "migrate", "--noinput")
    out = _run(env, "-c", "import json, django; django.setup(); "
                          "from tests.factories import live_world; "
                          "print(json.dumps(live_world()))")
    world = json.loads(out.strip().splitlines()[-1])
    with running_server(env, var_dir / "server.log", *([] if jobs else ["--no-jobs"])) as base:
        yield Server(base, env, world, var_dir / "server.log")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The embedded default: one process, no Redis (in-process emits)."""
    yield from start_server(tmp_path_factory.mktemp("realtime-var"), {})


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set (make test's PostgreSQL + Redis pass); else a throwaway
    redis-server on a free port when one is installed; else skip (fail on CI)."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    binary = shutil.which("redis-server")
    if binary is None:
        message = "realtime Redis fan-out: no REDIS_URL and no redis-server installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — required on CI")
        pytest.skip(message)
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    """The scaled shape: Socket.IO behind an AsyncRedisManager on a private channel."""
    yield from start_server(tmp_path_factory.mktemp("realtime-redis-var"), {
        "REDIS_URL": redis_url, "CRYPTOSHOP_CACHE_PREFIX": f"cs-rt-{uuid.uuid4().hex[:8]}"})


# --- HTTP: logging in like a browser ---------------------------------------------------------

@dataclass
class Browser:
    base: str
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as answer:
            return str(answer.read().decode())

    def post(self, path: str, fields: dict[str, str]) -> str:
        fields = {"csrfmiddlewaretoken": self.cookie("cs_csrftoken") or "", **fields}
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.base + path, data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=10) as answer:
            return str(answer.read().decode())

    def login(self, token: str) -> str:
        page = self.get("/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "no CSRF token on the login page"
        self.post("/accounts/login/", {"csrfmiddlewaretoken": match.group(1), "token": token})
        session = self.cookie(SESSION_COOKIE)
        assert session, "login did not set a session cookie"
        return session

    def logout(self) -> None:
        self.post("/accounts/logout/", {})


def session_for(server: Server, who: str) -> str:
    return Browser(server.base).login(server.world[who]["token"])


MAKE_STAFF = """
import json, django; django.setup()
from tests.factories import operator
staff = operator()
staff.user.refresh_from_db()
print(json.dumps({"token": staff.token, "secret": staff.user.totp_secret}))
"""


def staff_browser(server: Server) -> tuple[Browser, str]:
    """A new staff account with 2FA, logged in over HTTP like a browser (the token, then a
    fresh code). Returns the browser and its session cookie."""
    out = _run(server.env, "-c", MAKE_STAFF)
    made = json.loads(out.strip().splitlines()[-1])
    page = Browser(server.base)
    page.login(made["token"])  # the token step; the session waits for the code
    page.post("/accounts/login/code/", {"code": totp.code_at(made["secret"],
                                                             totp.current_step() + 1)})
    session = page.cookie(SESSION_COOKIE)
    assert session
    return page, session


# --- Socket.IO: the real client ---------------------------------------------------------------

class Live:
    """A connected python-socketio client that collects events in a queue."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[tuple[str, dict[str, Any], float]] = asyncio.Queue()
        for name in EVENTS:
            self.client.on(name, self._collector(name))

    def _collector(self, name: str) -> Any:
        async def collect(data: dict[str, Any]) -> None:
            await self.inbox.put((name, data, time.time()))
        return collect

    async def connect(self, base: str, session: str | None = None,
                      headers: dict[str, str] | None = None) -> Live:
        all_headers = dict(headers or {})
        if session:
            all_headers["Cookie"] = f"{SESSION_COOKIE}={session}"
        await self.client.connect(base, headers=all_headers, transports=["websocket"],
                                  socketio_path="socket.io", wait_timeout=5)
        return self

    async def subscribe(self, *rooms: str) -> dict[str, Any]:
        return dict(await self.client.call("subscribe", {"rooms": list(rooms)}, timeout=5))

    async def next_event(self, timeout: float = 2.0) -> tuple[str, dict[str, Any], float]:
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.inbox.get(), seconds)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        await self.client.disconnect()
