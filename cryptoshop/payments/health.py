"""Health components of the payments layer: the chain node and the chain watcher."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from cryptoshop.chain import configured as chain_backend
from cryptoshop.core import health
from cryptoshop.core.health import Status
from cryptoshop.payments.models import WatcherState
from cryptoshop.payments.push import shared_status

LAG_BLOCKS_OK = 2


def chain() -> Status:
    """The node: reachable, its tip and peers, and how far the watcher is behind it."""
    try:
        backend = chain_backend.backend()
        tip = backend.get_tip()
    except chain_backend.ChainNotConfigured as exc:
        if exc.misconfigured:
            return health.down(f"unavailable: {exc}")
        return health.disabled("no chain backend configured (CRYPTOSHOP_CHAIN_BACKEND)")
    except Exception as exc:  # any backend failure means "down" for health purposes
        return health.down(f"unavailable: {type(exc).__name__}; is the node running and "
                           "CRYPTOSHOP_RPC_URL (or CRYPTOSHOP_ESPLORA_URL) right?")
    try:
        peers = backend.peer_count()
    except Exception:  # peers are a detail: the tip answered, so the node is up
        peers = None
    details = {"tipHeight": tip.height, "tipHash": tip.hash, "peers": peers,
               "network": chain_backend.network()}
    state = WatcherState.objects.filter(name="chain").first()
    if state is None or state.cursor_height is None:
        return health.degraded("watcher not started", **details)
    lag = tip.height - state.cursor_height
    details["lagBlocks"] = lag
    if lag > LAG_BLOCKS_OK:
        return health.degraded(f"lagging {lag} blocks", **details)
    if peers == 0 and chain_backend.network() != "regtest":
        return health.degraded("the node has no peers: it can't see new blocks", **details)
    return health.up(f"tip {tip.height}", **details)


def watcher() -> Status:
    """The watcher: who holds the lease, when it last polled, its last error."""
    state = WatcherState.objects.filter(name="chain").first()
    if state is None:
        return health.degraded("the watcher has not run yet: start `manage.py worker` "
                               "(or serve with the watcher in the web process)")
    now = timezone.now()
    since_poll = (now - state.last_poll_at).total_seconds() if state.last_poll_at else None
    push = shared_status()
    details = {"leader": state.leader, "leaseUntil": state.lease_until,
               "lastPollAt": state.last_poll_at, "secondsSincePoll": since_poll,
               "cursorHeight": state.cursor_height, "tipHeight": state.tip_height,
               "lastError": state.last_error, "push": push}
    stale_after = max(30, settings.WATCHER_POLL_SECONDS * 10)
    if since_poll is None or since_poll > stale_after:
        return health.down(f"no poll for {int(since_poll or 0)} s: is `manage.py worker` "
                           "running?", **details)
    if state.last_error:
        return health.degraded(f"last poll failed: {state.last_error}", **details)
    if state.lease_until and state.lease_until < now - timedelta(seconds=stale_after):
        return health.degraded("the lease ran out and nobody took it", **details)
    push_problem = _push_problem(push)
    if push_problem:
        return health.degraded(push_problem, **details)
    return health.up(f"polled {int(since_poll)} s ago", **details)


def _push_problem(push: dict[str, Any] | None) -> str:
    """Push down where the node offers it (or, with CRYPTOSHOP_CHAIN_PUSH=on, missing at
    all): payments are still seen, one poll interval later."""
    if settings.CHAIN_PUSH == "off" or push is None or push.get("connected"):
        return ""
    fallback = f"polling every {settings.WATCHER_POLL_SECONDS} s"
    if push.get("kind"):
        why = push.get("lastError") or "connecting"
        return f"push from the node disconnected ({why}): {fallback}"
    if settings.CHAIN_PUSH == "on":
        return f"push from the node unavailable ({push.get('unavailable')}): {fallback}"
    return ""


def install() -> None:
    if settings.CHAIN_BACKEND != "none":
        health.register("chain", chain, basic=True)
        health.register("watcher", watcher)
