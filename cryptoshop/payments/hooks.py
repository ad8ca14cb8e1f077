"""Wiring the payments layer into the rest: periodic jobs, health, live-room access."""

from __future__ import annotations

from django.conf import settings


def _chain_health() -> str:
    from cryptoshop.payments import config
    from cryptoshop.payments.models import WatcherState

    try:
        tip = config.backend().get_tip()
    except config.ChainNotConfigured as exc:
        return f"unavailable: {exc}" if exc.misconfigured else "disabled"
    except Exception as exc:  # any backend failure means "down" for health purposes
        return f"unavailable: {type(exc).__name__}"
    state = WatcherState.objects.filter(name="chain").first()
    if state is None or state.cursor_height is None:
        return "ok (watcher not started)"
    lag = tip.height - state.cursor_height
    return "ok" if lag <= 2 else f"lagging {lag} blocks"


def _watch() -> object:
    from cryptoshop.payments.watcher import run_once

    result = run_once()
    if result is None or not result.leader:
        return None
    if result.blocks or result.changed_invoices or result.reorged:
        return (f"tip {result.tip_height}: {result.blocks} block(s), "
                f"{len(result.changed_invoices)} invoice(s) changed, {result.reorged} reorged")
    return None


def _address_room_allowed(user: object, address: str) -> bool:
    from django.db.models import Q

    from cryptoshop.payments.models import Invoice

    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    return Invoice.objects.filter(address=address).filter(
        Q(order__buyer_id=pk) | Q(order__store__owner_id=pk)).exists()


def install() -> None:
    from cryptoshop.core.health import COMPONENT_CHECKS
    from cryptoshop.core.jobs import register_job
    from cryptoshop.payments.addresses import recycle_unpaid_addresses

    if settings.WATCHER_IN_WEB:
        register_job("watch_chain", settings.WATCHER_POLL_SECONDS, _watch)
    register_job("recycle_addresses", 600, recycle_unpaid_addresses)
    if settings.CHAIN_BACKEND != "none":
        COMPONENT_CHECKS["chain"] = _chain_health
    try:
        from cryptoshop.realtime.server import register_room_authorizer
    except ImportError:
        return
    register_room_authorizer("address-", _address_room_allowed)
