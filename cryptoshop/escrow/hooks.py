"""Wiring escrow into the rest: funded when the invoice settles, the settle job, live rooms."""

from __future__ import annotations

from django.conf import settings


def _escrow_room_allowed(user: object, public_id: str) -> bool:
    from cryptoshop.accounts.models import User
    from cryptoshop.escrow.access import role_in
    from cryptoshop.escrow.models import Escrow

    if not isinstance(user, User):
        return False
    escrow = Escrow.objects.select_related("order", "order__store").filter(
        public_id=public_id).first()
    return escrow is not None and role_in(escrow, user) is not None


def _settle() -> object:
    from cryptoshop.escrow.settlement import settle_broadcast_spends

    closed = settle_broadcast_spends()
    return f"{closed} escrow payout(s) confirmed" if closed else None


def install() -> None:
    from cryptoshop.core.jobs import register_job
    from cryptoshop.escrow.opening import on_invoice_settled
    from cryptoshop.escrow.settlement import purge_closed_evidence
    from cryptoshop.payments.actions import SETTLED_HOOKS

    if on_invoice_settled not in SETTLED_HOOKS:
        SETTLED_HOOKS.append(on_invoice_settled)
    register_job("purge_closed_evidence", 3600, purge_closed_evidence)
    if settings.WATCHER_IN_WEB:
        register_job("escrow_settle", max(2, settings.WATCHER_POLL_SECONDS), _settle)
    try:
        from cryptoshop.realtime.server import register_room_authorizer
    except ImportError:
        return
    register_room_authorizer("escrow-", _escrow_room_allowed)
