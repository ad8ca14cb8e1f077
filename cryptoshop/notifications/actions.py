"""Telling an account about something: stored (for the notification centre and the header
badge) and pushed live to the account's open pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.core.bulk import insert_returning_ids
from cryptoshop.core.errors import NotFound
from cryptoshop.notifications.models import Notification
from cryptoshop.realtime import publish
from cryptoshop.realtime.rooms import user_room


def payload_of(notice: Notification) -> dict[str, Any]:
    """The brief's notification shape, for the live event and the API."""
    return {"id": notice.pk, "type": notice.kind, "title": notice.title,
            "message": notice.text, "severity": notice.severity, "link": notice.url,
            "read": notice.read, "createdAt": notice.created_at.isoformat()}


@dataclass(frozen=True)
class Notice:
    """One notice to store and push (see do_notify)."""

    user: User
    kind: str
    title: str
    message: str = ""
    url: str = ""
    severity: str = Notification.Severity.INFO
    extra: dict[str, str] | None = None
    live: bool = True


def do_notify(user: User, kind: str, title: str, message: str = "", *, url: str = "",
              severity: str = Notification.Severity.INFO, extra: dict[str, str] | None = None,
              live: bool = True) -> Notification:
    """Store a notice for `user` and, once the transaction commits, send it to their open
    pages as a `notification` event (unless `live` is off: the caller already pushes its
    own event to those pages, as escrow does with `escrow:updated`)."""
    [notice] = do_notify_many([Notice(user, kind, title, message, url, severity, extra, live)])
    return notice


def do_notify_many(notices: Sequence[Notice]) -> list[Notification]:
    """do_notify() for many notices in one INSERT (the orders a block's payments settle)."""
    rows = [Notification(user=n.user, kind=n.kind[:40], title=n.title[:120],
                         text=(n.message or n.title)[:300], severity=n.severity,
                         url=n.url[:200]) for n in notices]
    if len(rows) == 1:
        rows[0].save()  # one row: a plain INSERT
    else:
        insert_returning_ids(rows)  # the ids go in the live payloads
    for notice, row in zip(notices, rows, strict=True):
        if notice.live:
            publish(user_room(notice.user.public_id), "notification",
                    {**payload_of(row), **(notice.extra or {})})
    return rows


def notices_of(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notices, newest first (the model's ordering)."""
    qs = Notification.objects.filter(user=user)
    return qs.filter(read=False) if unread_only else qs


def unread_count(user: User) -> int:
    """One COUNT over the (user, read) index: the header badge on every page."""
    return Notification.objects.filter(user=user, read=False).count()


def recent_notices(user: User, limit: int = 8) -> list[Notification]:
    return list(notices_of(user)[:limit])


def notice_for(user: User, notice_id: object) -> Notification:
    """The user's own notice; anybody else's (or a malformed id) is 404, never 403."""
    try:
        pk = int(str(notice_id))
    except ValueError:
        pk = 0
    notice = Notification.objects.filter(user=user, pk=pk).first() if pk > 0 else None
    if notice is None:
        raise NotFound("No such notification.")
    return notice


def _announce_read(user: User) -> None:
    # The user's other open pages (another tab, the phone) clear their badge too.
    publish(user_room(user.public_id), "notification:read", {"unread": unread_count(user)})


def do_mark_read(user: User, notice: Notification) -> bool:
    """Mark one notice read (by a POST: looking at a page never marks anything). False when
    it already was."""
    changed = Notification.objects.filter(pk=notice.pk, user=user, read=False).update(read=True)
    notice.read = True
    if changed:
        _announce_read(user)
    return bool(changed)


def do_mark_all_read(user: User) -> int:
    changed = Notification.objects.filter(user=user, read=False).update(read=True)
    if changed:
        _announce_read(user)
    return changed


def purge_old_notices(now: datetime | None = None) -> int:
    """Privacy by minimisation: a notice names an order and a store, so it goes on the
    order-details schedule — deleted ORDER_PURGE_DAYS after it was sent, read or not."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ORDER_PURGE_DAYS)
    deleted, _ = Notification.objects.filter(created_at__lt=cutoff).delete()
    return deleted
