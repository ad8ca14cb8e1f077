"""Telling an account about something: stored (for the notification centre and the header
badge) and pushed live to the account's open pages."""

from __future__ import annotations

from typing import Any

from cryptoshop.accounts.models import User
from cryptoshop.notifications.models import Notification
from cryptoshop.realtime import publish
from cryptoshop.realtime.rooms import user_room


def payload_of(notice: Notification) -> dict[str, Any]:
    """The brief's notification shape, for the live event and the API."""
    return {"id": notice.pk, "type": notice.kind, "title": notice.title,
            "message": notice.text, "severity": notice.severity, "link": notice.url,
            "read": notice.read, "createdAt": notice.created_at.isoformat()}


def do_notify(user: User, kind: str, title: str, message: str = "", *, url: str = "",
              severity: str = Notification.Severity.INFO, extra: dict[str, str] | None = None,
              live: bool = True) -> Notification:
    """Store a notice for `user` and, once the transaction commits, send it to their open
    pages as a `notification` event (unless `live` is off: the caller already pushes its
    own event to those pages, as escrow does with `escrow:updated`)."""
    notice = Notification.objects.create(user=user, kind=kind[:40], title=title[:120],
                                         text=(message or title)[:300], severity=severity,
                                         url=url[:200])
    if live:
        publish(user_room(user.public_id), "notification", {**payload_of(notice),
                                                            **(extra or {})})
    return notice


def recent_notices(user: User, limit: int = 8) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def do_mark_seen(notices: list[Notification]) -> int:
    """Mark the notices just shown as read (a page that lists them has shown them)."""
    unread = [n.pk for n in notices if not n.read]
    return Notification.objects.filter(pk__in=unread).update(read=True) if unread else 0
