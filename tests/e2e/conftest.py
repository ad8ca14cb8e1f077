"""Browser tier: the real app under uvicorn (its own SQLite database), driven by Debian's
Chromium through Playwright. Without Chromium the tier is skipped loudly — or fails on CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, running_server

ROOT = Path(__file__).resolve().parents[2]


def _chromium() -> str | None:
    for candidate in (os.environ.get("CRYPTOSHOP_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        message = "e2e tier: Chromium not found (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — required on CI")
        pytest.skip(message)
    return path


class Server(str):
    """The base URL, plus where the server keeps its data (and its regtest node)."""

    var_dir: Path
    first_run_output: str


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start `manage.py serve` on a free port with a throwaway var dir; yield its base URL."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"CRYPTOSHOP_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
                "CRYPTOSHOP_LOG_LEVEL": "WARNING",
                # Nothing in tests may reach the internet: a fixed rate, no price sites.
                "CRYPTOSHOP_FIXED_RATES": "USD:65000,EUR:60000",
                # Poll the chain often, so live updates arrive within a second or two.
                "CRYPTOSHOP_WATCHER_POLL_SECONDS": "0",
                # The live staff dashboard's turn: often, so its page visibly updates.
                "CRYPTOSHOP_LIVE_DASHBOARD_SECONDS": "2",
                # The demo webhook's queued ping goes out within a second of the start.
                "CRYPTOSHOP_WEBHOOK_POLL_SECONDS": "1",
                # Every browser test registers from 127.0.0.1; the per-address limit (tested
                # in the app tier) would otherwise stop the tier after ten accounts.
                "CRYPTOSHOP_REGISTER_LIMIT_PER_IP": "500",
                # Likewise logins and 2FA codes: the tier logs in as the demo seller and as
                # new staff many times within the limits' windows.
                "CRYPTOSHOP_LOGIN_LIMIT_PER_IP": "500",
                "CRYPTOSHOP_TOTP_LIMIT_PER_IP": "500"})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    # As `make run` does: a local regtest node, then the demo shop with regtest wallets.
    started = subprocess.run([sys.executable, "manage.py", "regtest", "start"], cwd=ROOT,
                             env=env, capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError("regtest node did not start:\n" + started.stdout + started.stderr)
    try:
        # The port is chosen first, so the demo webhook can point at the server's receiver.
        port = free_port()
        first = subprocess.run([sys.executable, "manage.py", "first_run", "--base-url",
                                f"http://127.0.0.1:{port}"], cwd=ROOT, env=env,
                               check=True, capture_output=True, text=True)
        with running_server(env, var_dir / "server.log", port=port) as url:
            base = Server(url)
            base.var_dir = var_dir
            base.first_run_output = first.stdout
            yield base
    finally:
        subprocess.run([sys.executable, "manage.py", "regtest", "stop"], cwd=ROOT, env=env,
                       capture_output=True)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path | None:
    """Set CRYPTOSHOP_SCREENSHOTS=docs/screenshots (make screenshots) to keep pictures."""
    value = os.environ.get("CRYPTOSHOP_SCREENSHOTS")
    if not value:
        return None
    path = (ROOT / value).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
