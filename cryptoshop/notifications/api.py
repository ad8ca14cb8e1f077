"""/api/notifications: your notices (paged, newest first), and marking them read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router

from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import CamelSchema, Limit, Page, envelope, ok, paged, paged_envelope
from cryptoshop.core.pagination import paginate
from cryptoshop.notifications import actions

router = Router(tags=["notifications"])


class NotificationOut(CamelSchema):
    id: int
    type: str
    title: str
    message: str
    severity: str
    link: str
    read: bool
    created_at: datetime


class ReadAllOut(CamelSchema):
    marked: int
    unread: int


NotificationListOut = paged_envelope(NotificationOut, "NotificationListOut")


@router.get("", auth=api_auth, response=NotificationListOut, by_alias=True)
def list_notifications(request: HttpRequest, unread: bool = False, page: Page = 1,
                       limit: Limit = 20) -> dict[str, Any]:
    """Your notifications, newest first; `unread=true` for the unread ones only."""
    qs = actions.notices_of(api_caller(request), unread_only=unread)
    items, pagination = paginate(qs, page, limit)
    return paged([actions.payload_of(n) for n in items], pagination)


@router.post("/read-all", auth=api_auth, response=envelope(ReadAllOut), by_alias=True)
def read_all(request: HttpRequest) -> dict[str, Any]:
    """Mark all your notifications read."""
    marked = actions.do_mark_all_read(api_caller(request))
    return ok({"marked": marked, "unread": 0})


@router.post("/{notice_id}/read", auth=api_auth, response=envelope(NotificationOut),
             by_alias=True)
def read_one(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    """Mark one of your notifications read; anyone else's is 404."""
    me = api_caller(request)
    notice = actions.notice_for(me, notice_id)
    actions.do_mark_read(me, notice)
    return ok(actions.payload_of(notice))
