"""Periodic jobs (reservation expiry now; payments and the watcher add theirs).

Each job must be idempotent and safe to run from several processes at once (conditional
UPDATEs, not read-modify-write), because `serve --workers N` runs the loop in each."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections

from cryptoshop.core.registry import Hooks

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: int
    run: Callable[[], object]
    last_run: float = 0.0


_jobs: dict[str, Job] = {}
_chain_jobs: dict[str, Callable[[], object]] = {}

# Run when a serving or worker process stops cleanly (e.g. hand over the watcher's lease).
ON_SHUTDOWN: Hooks[Callable[[], object]] = Hooks("on shutdown")


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


def run_due_jobs(now: float | None = None) -> list[str]:
    now = time.time() if now is None else now
    ran = []
    for job in _jobs.values():
        if now - job.last_run < job.every_seconds:
            continue
        job.last_run = now
        try:
            close_old_connections()
            result = job.run()
            ran.append(job.name)
            if result:
                logger.info("job %s: %s", job.name, result)
        except Exception:  # a failing job must not stop the others or the server
            logger.exception("job %s failed", job.name)
        finally:
            close_old_connections()
    return ran


def start_background_runner(interval: float = 0.25) -> threading.Thread:
    def loop() -> None:
        while True:
            run_due_jobs()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="cryptoshop-jobs", daemon=True)
    thread.start()
    return thread
