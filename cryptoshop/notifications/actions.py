"""Telling an account about something: stored (for the next page view) and pushed live to
the account's open pages."""

from __future__ import annotations

from cryptoshop.accounts.models import User
from cryptoshop.notifications.models import Notification
from cryptoshop.realtime import publish
from cryptoshop.realtime.rooms import user_room


def do_notify(user: User, text: str, *, url: str = "", kind: str = "notice",
              extra: dict[str, str] | None = None, live: bool = True) -> Notification:
    """Store a notice for `user` and, once the transaction commits, send it to their open
    pages as a `notification` event (unless `live` is off: the caller already pushes its
    own event to those pages, as escrow does with `escrow:updated`)."""
    notice = Notification.objects.create(user=user, text=text[:300], url=url[:200])
    if not live:
        return notice
    payload = {"type": kind, "text": notice.text, "url": notice.url, **(extra or {})}
    publish(user_room(user.public_id), "notification", payload)
    return notice


def recent_notices(user: User, limit: int = 8) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def do_mark_seen(notices: list[Notification]) -> int:
    """Mark the notices just shown as read (a page that lists them has shown them)."""
    unread = [n.pk for n in notices if not n.read]
    return Notification.objects.filter(pk__in=unread).update(read=True) if unread else 0
