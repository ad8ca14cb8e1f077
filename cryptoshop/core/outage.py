"""Quiet, useful logs for something we poll: one warning when it stops working, one line
when it works again, and a growing pause between attempts while it is down — not a
traceback per poll (a node that was down for ten minutes used to leave 1,456 of them)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


@dataclass
class Outage:
    """The state of one polled thing (a job, a connection)."""

    name: str
    logger: logging.Logger
    since: float | None = None
    failures: int = 0
    retry_at: float = 0.0
    last_error: str = ""

    @property
    def active(self) -> bool:
        return self.since is not None

    def may_try(self, now: float | None = None) -> bool:
        """False while backing off after a failure."""
        return (time.time() if now is None else now) >= self.retry_at

    def failed(self, exc: BaseException, now: float | None = None) -> None:
        now = time.time() if now is None else now
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"[:300]
        delay = min(FIRST_RETRY_SECONDS * 2 ** (self.failures - 1), MAX_RETRY_SECONDS)
        self.retry_at = now + delay
        if self.since is None:
            self.since = now
            # The traceback once, at the start: it says where, the rest would only repeat it.
            self.logger.warning("%s is failing: %s (retrying with backoff up to %.0f s; "
                                "one line when it recovers)", self.name, self.last_error,
                                MAX_RETRY_SECONDS, exc_info=exc)

    def succeeded(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if self.since is not None:
            self.logger.warning("%s recovered after %.0f s (%d failed attempts)", self.name,
                                now - self.since, self.failures)
        self.since, self.failures, self.retry_at, self.last_error = None, 0, 0.0, ""
