"""Periodic jobs (reservation expiry now; payments and the watcher add theirs), and the
wake event that lets the node's push notifications run the chain jobs at once.

Each job must be idempotent and safe to run from several processes at once (conditional
UPDATEs, not read-modify-write), because `serve --workers N` runs the loop in each."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections

from cryptoshop.core.metrics import JOB_RUNS
from cryptoshop.core.outage import Outage
from cryptoshop.core.registry import Hooks

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: int
    run: Callable[[], object]
    last_run: float = 0.0
    outage: Outage | None = None

    def __post_init__(self) -> None:
        self.outage = Outage(f"job {self.name}", logger)


_jobs: dict[str, Job] = {}
_chain_jobs: dict[str, Callable[[], object]] = {}

# Run when a serving or worker process stops cleanly (e.g. hand over the watcher's lease).
ON_SHUTDOWN: Hooks[Callable[[], object]] = Hooks("on shutdown")
# Run once when a loop that runs the chain jobs starts (the worker, or the web process's
# runner when the watcher lives there): e.g. connect to the node's push notifications,
# which only a process that follows the chain needs.
ON_CHAIN_LOOP_START: Hooks[Callable[[], object]] = Hooks("on chain loop start")

# Set by push notifications from the node (payments/push.py): the loop stops waiting and
# runs the chain jobs at once instead of at the next poll interval.
_wake = threading.Event()


def wake_chain_jobs() -> None:
    _wake.set()


def wait_for_wake(timeout: float) -> bool:
    """Sleep up to ``timeout`` seconds, less when woken; True when woken. Never past the
    moment a failing job may retry: after a node restart the watcher backs off, and the
    wake that told it the node is back must not wait out a whole (say 30 s) poll interval
    behind that backoff."""
    woken = _wake.wait(max(0.0, min(timeout, _until_next_retry(time.time()))))
    _wake.clear()
    return woken


def _until_next_retry(now: float) -> float:
    # Only retries still ahead: a job whose retry time has passed but isn't due would
    # otherwise make this zero and the loop spin.
    ahead = [job.outage.retry_at - now for job in _jobs.values()
             if job.outage is not None and job.outage.active and job.outage.retry_at > now]
    return min(ahead, default=float("inf")) + 0.01


def register_job(name: str, every_seconds: int, run: Callable[[], object]) -> None:
    _jobs[name] = Job(name, every_seconds, run)


def register_chain_job(name: str, run: Callable[[], object], every_seconds: int) -> None:
    """A job that follows the chain (the watcher, escrow settling). `manage.py worker` runs
    it every loop turn; a web process runs it every `every_seconds` only when the watcher
    lives in the web process (CRYPTOSHOP_WATCHER_IN_WEB)."""
    _chain_jobs[name] = run
    if settings.WATCHER_IN_WEB:
        register_job(name, every_seconds, run)


def schedule_chain_jobs_every_turn() -> list[str]:
    """For the worker: every chain job on each loop turn."""
    for name, run in _chain_jobs.items():
        register_job(name, 0, run)
    return sorted(_chain_jobs)


def shutdown() -> None:
    ON_SHUTDOWN.call_each()


def job_names() -> list[str]:
    return sorted(_jobs)


STATUS_KEY = "jobs:status:"  # + name: the last run, shared by every process through the cache


def job_status(name: str) -> dict[str, object] | None:
    found = cache.get(STATUS_KEY + name)
    return found if isinstance(found, dict) else None


def _record(job: Job, now: float, error: str = "") -> None:
    """Last run and last error, for /api/health and /metrics. A cache that is down must
    not stop the jobs, so this never raises."""
    try:
        old = job_status(job.name) or {}
        status = {**old, "lastRunAt": now, "runs": int(str(old.get("runs", 0))) + 1}
        if error:
            status.update(lastError=error, lastErrorAt=now,
                          failures=int(str(old.get("failures", 0))) + 1)
        else:
            status.update(lastOkAt=now)
        cache.set(STATUS_KEY + job.name, status, timeout=7 * 24 * 3600)
    except Exception:  # noqa: S110 - the cache's own outage shows in its health check
        pass
    JOB_RUNS.labels(job.name, "failed" if error else "ok").inc()



def run_due_jobs(now: float | None = None, *, chain_now: bool = False) -> list[str]:
    """Run the jobs that are due; with ``chain_now`` (woken by the node) the chain jobs
    too, whenever they last ran (a failing one still waits out its outage backoff)."""
    now = time.time() if now is None else now
    ran = []
    for job in _jobs.values():
        assert job.outage is not None
        due = now - job.last_run >= job.every_seconds or (chain_now and job.name in _chain_jobs)
        if not due or not job.outage.may_try(now):
            continue
        job.last_run = now
        try:
            close_old_connections()
            result = job.run()
            ran.append(job.name)
            job.outage.succeeded(now)
            _record(job, now)
            if result:
                logger.info("job %s: %s", job.name, result)
        except Exception as exc:  # a failing job must not stop the others or the server
            # One warning when it starts failing, one line when it recovers (outage.py).
            job.outage.failed(exc, now)
            _record(job, now, job.outage.last_error)
        finally:
            close_old_connections()
    return ran


def start_background_runner(interval: float = 0.25) -> threading.Thread:
    def loop() -> None:
        if settings.WATCHER_IN_WEB:
            ON_CHAIN_LOOP_START.call_each()
        woken = False
        while True:
            run_due_jobs(chain_now=woken)
            woken = wait_for_wake(interval)

    thread = threading.Thread(target=loop, name="cryptoshop-jobs", daemon=True)
    thread.start()
    return thread
