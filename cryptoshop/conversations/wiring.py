"""Wiring conversations into the rest: its live room and the purge job."""

from __future__ import annotations

from cryptoshop.accounts.models import User
from cryptoshop.conversations.access import role_of
from cryptoshop.conversations.actions import purge_old_messages
from cryptoshop.conversations.models import Thread
from cryptoshop.core.jobs import register_job
from cryptoshop.realtime.rooms import register_room_authorizer


def _thread_room_allowed(user: User, public_id: str) -> bool:
    """`thread-<id>` rooms: the thread's buyer and seller, and the arbiter while the
    order's dispute is open (escrow's THREAD_ARBITER)."""
    thread = (Thread.objects.select_related("store", "order")
              .filter(public_id=public_id).first())
    return thread is not None and role_of(thread, user) is not None


def _purge() -> object:
    purged = purge_old_messages()
    return f"{purged} message(s) purged" if purged else None


def install() -> None:
    register_room_authorizer("thread-", _thread_room_allowed)
    register_job("purge_messages", 3600, _purge)
