"""Wiring support into the rest: its live room and the purge job."""

from __future__ import annotations

from cryptoshop.accounts.models import User
from cryptoshop.core.jobs import register_job
from cryptoshop.realtime.rooms import register_room_authorizer
from cryptoshop.support.access import side_of
from cryptoshop.support.actions import purge_resolved_messages
from cryptoshop.support.models import Ticket


def _ticket_room_allowed(user: User, public_id: str) -> bool:
    """`ticket-<id>` rooms: the ticket's opener and active staff with 2FA."""
    ticket = Ticket.objects.filter(public_id=public_id).first()
    return ticket is not None and side_of(ticket, user) is not None


def _purge() -> object:
    purged = purge_resolved_messages()
    return f"{purged} ticket message(s) purged" if purged else None


def install() -> None:
    register_room_authorizer("ticket-", _ticket_room_allowed)
    register_job("purge_ticket_messages", 3600, _purge)
