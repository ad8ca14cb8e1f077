"""/api/support: the brief's support-ticket API over the same actions as the pages. A ticket
is its opener's and the staff's; anyone else gets 404. Internal notes reach staff only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import ConfigDict, Field

from cryptoshop.accounts.models import User
from cryptoshop.accounts.sessions import api_auth
from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import (
    CamelSchema,
    In,
    Limit,
    Page,
    envelope,
    errors,
    ok,
    paged,
    paged_envelope,
)
from cryptoshop.core.pagination import paginate
from cryptoshop.moderation.actions import check_staff
from cryptoshop.support import actions
from cryptoshop.support.access import (
    QueueFilter,
    messages_for,
    staff_queue,
    ticket_for,
    tickets_of,
)
from cryptoshop.support.models import Ticket, TicketMessage

router = Router(tags=["support"])


class TicketIn(In):
    model_config = ConfigDict(extra="forbid")  # unknown fields are a 400, not ignored

    category: str = Field(max_length=20)
    subject: str = Field(max_length=actions.MAX_SUBJECT + 100)
    text: str = Field(max_length=actions.MAX_TEXT + 100)
    order_id: str | None = Field(default=None, max_length=40)


class ReplyIn(In):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=actions.MAX_TEXT + 100)
    internal: bool = False  # staff only


class TicketMessageOut(CamelSchema):
    id: str
    author_role: str  # user or staff
    mine: bool
    text: str  # "" once erased on schedule
    internal: bool  # only ever true for staff callers
    at: datetime


class TicketOut(CamelSchema):
    id: str
    category: str
    subject: str
    status: str  # open, waiting (on the user), resolved
    priority: str
    order_id: str | None
    unread: int
    created_at: datetime
    last_activity_at: datetime


class TicketDetailOut(TicketOut):
    role: str  # the caller's side: user or staff
    messages: list[TicketMessageOut]


def message_out(message: TicketMessage, me: User) -> dict[str, Any]:
    return {"id": message.public_id, "authorRole": message.author_role,
            "mine": message.author_id == me.pk, "text": "" if message.purged else message.body,
            "internal": message.internal, "at": message.created_at}


def ticket_out(ticket: Ticket, unread: int) -> dict[str, Any]:
    return {"id": ticket.public_id, "category": ticket.category, "subject": ticket.subject,
            "status": ticket.status, "priority": ticket.priority,
            "orderId": ticket.order.public_id if ticket.order else None, "unread": unread,
            "createdAt": ticket.created_at, "lastActivityAt": ticket.last_activity_at}


@router.get("", auth=api_auth, response=paged_envelope(TicketOut, "TicketListOut"),
            by_alias=True)
def list_tickets(request: HttpRequest, page: Page = 1, limit: Limit = 20, queue: bool = False,
                 status: str = "", priority: str = "", assignee: str = "anyone",
                 category: str = "") -> dict[str, Any]:
    """Your tickets, latest activity first. Staff (with 2FA) pass `queue=true` for the
    queue, oldest waiting first, filtered by status (default open), priority, assignee
    (me, unassigned, anyone) and category."""
    me = api_caller(request)
    if queue:
        check_staff(me)
        wanted = QueueFilter(status=status or Ticket.Status.OPEN, priority=priority,
                             assignee=assignee, category=category)
        qs = staff_queue(me, wanted)
    else:
        qs = tickets_of(me)
    items, pagination = paginate(qs, page, limit)
    return paged([ticket_out(t, getattr(t, "unread", 0)) for t in items], pagination)


@router.post("", auth=api_auth, response={201: envelope(TicketOut), **errors(429)},
             by_alias=True)
def open_ticket(request: HttpRequest, payload: TicketIn) -> Status[dict[str, Any]]:
    """Open a ticket: category (order, payment, escrow, account, abuse, other), subject,
    first message, and optionally one of your orders (as buyer or seller)."""
    me = api_caller(request)
    ticket = actions.do_open(me, payload.category, payload.subject, payload.text,
                             payload.order_id)
    return Status(201, ok(ticket_out(ticket, 0)))


def _detail(ticket: Ticket, side: str, me: User) -> dict[str, Any]:
    return {**ticket_out(ticket, 0), "role": side,
            "messages": [message_out(m, me) for m in messages_for(ticket, side)]}


@router.get("/{ticket_id}", auth=api_auth, response=envelope(TicketDetailOut), by_alias=True)
def get_ticket(request: HttpRequest, ticket_id: str) -> dict[str, Any]:
    """A ticket and its messages (reading marks it read). Internal notes: staff only."""
    me = api_caller(request)
    ticket, side = ticket_for(me, ticket_id)
    actions.do_mark_read(ticket, side)
    return ok(_detail(ticket, side, me))


@router.post("/{ticket_id}/messages", auth=api_auth,
             response={201: envelope(TicketMessageOut), **errors(429)}, by_alias=True)
def reply(request: HttpRequest, ticket_id: str, payload: ReplyIn) -> Status[dict[str, Any]]:
    """Reply (up to 4000 characters). The opener's reply reopens a resolved ticket; staff
    may add an internal note (`internal: true`), which the user never sees."""
    me = api_caller(request)
    ticket, side = ticket_for(me, ticket_id)
    message = actions.do_reply(ticket, me, side, payload.text, internal=payload.internal)
    return Status(201, ok(message_out(message, me)))


@router.post("/{ticket_id}/close", auth=api_auth, response=envelope(TicketOut), by_alias=True)
def close(request: HttpRequest, ticket_id: str) -> dict[str, Any]:
    """The opener marks their ticket resolved."""
    me = api_caller(request)
    ticket, side = ticket_for(me, ticket_id)
    actions.do_close(ticket, side)  # staff set the status through the staff page instead
    return ok(ticket_out(ticket, 0))
