"""The live dashboard's tick: take a snapshot, publish it to the staff room as
`metrics:update`, and raise or clear an alert when a component goes bad or comes back.

Component states between ticks live in the cache, so with Redis every web process agrees on
what changed and only one of them (the one that wins the tick lock) publishes each turn.
With the in-process cache each process would tick alone: `serve --workers N` wants Redis
(docs/operations.md), as the rate limits already do.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cryptoshop.core import health
from cryptoshop.monitor.snapshot import Component, Snapshot, take
from cryptoshop.realtime.bus import publish

logger = logging.getLogger(__name__)

STAFF_ROOM = "staff-dashboard"
STATES_KEY = "monitor:states"
ALERTS_KEY = "monitor:alerts"
LAST_KEY = "monitor:last"
TICK_KEY = "monitor:tick"
KEEP_ALERTS = 50
BAD = (health.DOWN, health.DEGRADED)


def transitions(before: dict[str, str],
                now: list[Component]) -> tuple[list[Component], list[Component]]:
    """(raised, cleared): components that became bad (or changed how bad), and components
    that were bad and are not any more. A component seen for the first time in a bad state
    raises; one that vanished is ignored."""
    raised = [c for c in now if c.state in BAD and before.get(c.name) != c.state]
    cleared = [c for c in now if c.state not in BAD and before.get(c.name) in BAD]
    return raised, cleared


def recent_alerts() -> list[dict[str, Any]]:
    found = cache.get(ALERTS_KEY)
    return list(found) if isinstance(found, list) else []


def last_snapshot() -> Snapshot | None:
    found = cache.get(LAST_KEY)
    return found if isinstance(found, Snapshot) else None


def _alert(component: Component, kind: str, at: str) -> dict[str, Any]:
    return {"component": component.name, "state": component.state,
            "message": component.message, "kind": kind, "at": at}


def record(snapshot: Snapshot) -> tuple[list[Component], list[Component]]:
    """Remember the snapshot and its states; log and publish what changed."""
    before = cache.get(STATES_KEY)
    raised, cleared = transitions(before if isinstance(before, dict) else {},
                                  snapshot.components)
    cache.set(STATES_KEY, {c.name: c.state for c in snapshot.components}, timeout=None)
    cache.set(LAST_KEY, snapshot, timeout=settings.LIVE_DASHBOARD_SECONDS * 3)
    at = snapshot.at.isoformat()
    changes = [_alert(c, "raised", at) for c in raised] + [_alert(c, "cleared", at)
                                                          for c in cleared]
    if changes:
        cache.set(ALERTS_KEY, (changes[::-1] + recent_alerts())[:KEEP_ALERTS], timeout=None)
    for change in changes:
        logger.info("alert %s: %s is %s (%s)", change["kind"], change["component"],
                    change["state"], change["message"])
        publish(STAFF_ROOM, f"alert:{change['kind']}", change)
    publish(STAFF_ROOM, "metrics:update", snapshot.as_event())
    return raised, cleared


def tick() -> None:
    """The periodic job. One process per turn publishes (the tick lock expires just before
    the next turn is due). Returns nothing: each alert already has its own log line."""
    every = settings.LIVE_DASHBOARD_SECONDS
    if cache.add(TICK_KEY, timezone.now().isoformat(), timeout=max(1, every - 1)):
        record(take())


def current() -> Snapshot:
    """For the page: the last published snapshot while it is fresh, else a new one (so a
    page refresh by every watching staff member doesn't run every health check again)."""
    found = last_snapshot()
    if found is not None and (timezone.now() - found.at).total_seconds() \
            < settings.LIVE_DASHBOARD_SECONDS * 2:
        return found
    return take()
