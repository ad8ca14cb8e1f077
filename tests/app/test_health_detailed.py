"""/api/health/detailed and /api/health/{component}: who may read them, and each component
up and down against real parts (a closed port is a node or Redis that is down)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from cryptoshop.core import health_checks, jobs
from cryptoshop.payments.models import WatcherState
from tests.app.moderation_setup import log_in
from tests.factories import make_account, operator

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens


@pytest.fixture
def staff(client: Client) -> Client:
    log_in(client, operator())
    return client


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in body["data"]["components"]}


def test_only_staff_with_2fa_or_the_token_read_the_details(client: Client, settings: Any) -> None:
    assert client.get("/api/health/detailed").status_code == 404
    log_in(client, make_account())
    assert client.get("/api/health/detailed").status_code == 404
    assert client.get("/api/health/database").status_code == 404
    other = Client()
    log_in(other, operator(two_factor=False))
    assert other.get("/api/health/detailed").status_code == 404

    settings.HEALTH_TOKEN = "s3cret-health-token"
    assert Client().get("/api/health/detailed",
                        HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    answer = Client().get("/api/health/detailed",
                          HTTP_AUTHORIZATION="Bearer s3cret-health-token")
    assert answer.status_code == 200


def test_detailed_lists_every_component_with_latency(staff: Client, settings: Any) -> None:
    settings.CHAIN_BACKEND = "none"
    body = staff.get("/api/health/detailed").json()
    components = by_name(body)
    assert {"database", "cache", "jobs", "disk", "memory", "socketio"} <= set(components)
    for component in components.values():
        assert component["state"] in {"up", "degraded", "down", "disabled"}
        assert isinstance(component["latencyMs"], float) and component["latencyMs"] >= 0
    assert components["database"]["state"] == "up"
    assert components["cache"]["state"] == "up"
    assert components["disk"]["details"]["freeBytes"] > 0
    assert components["memory"]["details"]["processRssBytes"] > 0


def test_one_component_and_an_unknown_name(staff: Client) -> None:
    answer = staff.get("/api/health/database")
    assert answer.status_code == 200
    assert answer.json()["data"]["name"] == "database"
    missing = staff.get("/api/health/nonsense")
    assert missing.status_code == 404
    assert "database" in missing.json()["message"]


def test_chain_node_down_then_up(staff: Client, settings: Any) -> None:
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = CLOSED_PORT_URL
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    answer = staff.get("/api/health/chain")
    assert answer.status_code == 503
    assert answer.json()["data"]["state"] == "down"
    assert "is the node running" in answer.json()["data"]["message"]
    # The public check says so too, in one word.
    assert Client().get("/api/health").status_code == 503


def test_watcher_states(staff: Client) -> None:
    assert staff.get("/api/health/watcher").json()["data"]["state"] == "degraded"
    state = WatcherState.objects.create(name="chain", network="regtest", cursor_height=5,
                                        tip_height=5, leader="host:1")
    WatcherState.objects.filter(pk=state.pk).update(last_poll_at=None)
    data = staff.get("/api/health/watcher").json()["data"]
    assert data["state"] == "down" and "manage.py worker" in data["message"]
    WatcherState.objects.filter(pk=state.pk).update(last_poll_at=timezone.now())
    data = staff.get("/api/health/watcher").json()["data"]
    assert data["state"] == "up" and data["details"]["leader"] == "host:1"
    WatcherState.objects.filter(pk=state.pk).update(last_error="connection refused")
    data = staff.get("/api/health/watcher").json()["data"]
    assert data["state"] == "degraded" and "connection refused" in data["message"]


def test_cache_down(staff: Client, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}
    try:
        status = health_checks.cache_check()
    finally:
        caches["default"].close()
    assert status.state == "down" and "Redis" in status.message


@pytest.fixture
def only_test_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job runner with no other job, and without closing the test's database connection
    between jobs (it does that in a server, where connections age; here it would end the
    test's transaction)."""
    monkeypatch.setattr(jobs, "_jobs", {})
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)


def test_a_failing_job_shows_until_it_runs_again(staff: Client, only_test_jobs: None) -> None:
    calls = {"n": 0}

    def flaky() -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("node refused")

    jobs.register_job("flaky_test_job", 0, flaky)
    jobs.run_due_jobs(now=time.time())
    data = staff.get("/api/health/jobs").json()["data"]
    assert data["state"] == "degraded"
    assert "flaky_test_job (ConnectionError: node refused)" in data["message"]
    jobs.run_due_jobs(now=time.time() + 120)  # past the backoff
    data = staff.get("/api/health/jobs").json()["data"]
    assert data["state"] == "up"
    assert data["details"]["flaky_test_job"]["runs"] == 2
    assert data["details"]["flaky_test_job"]["failures"] == 1


def test_an_outage_logs_one_warning_and_one_recovery(only_test_jobs: None,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A node down for 600 polls: one warning with the traceback, backoff between tries,
    one line when it is back; the job keeps being tried."""
    down = {"now": True}
    tries = {"n": 0}

    def poll() -> None:
        tries["n"] += 1
        if down["now"]:
            raise ConnectionRefusedError("[Errno 111] Connection refused")

    jobs.register_job("watch_test_chain", 1, poll)
    start = time.time()
    with caplog.at_level("INFO", logger="cryptoshop.core.jobs"):
        for second in range(600):
            jobs.run_due_jobs(now=start + second)
        tries_while_down = tries["n"]
        down["now"] = False
        for second in range(600, 700):
            jobs.run_due_jobs(now=start + second)
    lines = [r for r in caplog.records if "watch_test_chain" in r.getMessage()]
    assert [r.levelname for r in lines] == ["WARNING", "WARNING"]
    assert "is failing" in lines[0].getMessage() and lines[0].exc_info is not None
    assert "recovered after" in lines[1].getMessage() and lines[1].exc_info is None
    # Backoff 1, 2, 4, 8, 16, then every 30 s: tried at 0, 1, 3, 7, 15, 31, 61 … 571.
    assert tries_while_down == 6 + 18
    # Back at the first try after 600 (601), then every second again.
    assert tries["n"] - tries_while_down == 99


def test_a_backing_off_job_shortens_the_loops_wait(only_test_jobs: None) -> None:
    """The worker waits up to its poll interval for a wake; a job backing off after a
    failure (the watcher during a node restart) must get its retry when the backoff
    ends, not a whole interval later."""
    calls = {"n": 0}

    def fails_once() -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("node restarting")

    jobs.register_job("backing_off_test_job", 0, fails_once)
    start = time.time()
    assert jobs._until_next_retry(start) == float("inf")  # nothing failing: the interval
    jobs.run_due_jobs(now=start)
    retry_at = jobs._jobs["backing_off_test_job"].outage.retry_at
    assert retry_at > start
    assert jobs._until_next_retry(start) == pytest.approx(retry_at - start + 0.01)
    # Once the retry time has passed the job simply runs on the next turn: no zero wait
    # (a spinning loop) for a retry that is behind us.
    assert jobs._until_next_retry(retry_at + 1) == float("inf")
    jobs.run_due_jobs(now=retry_at)
    assert calls["n"] == 2 and jobs._until_next_retry(retry_at) == float("inf")
