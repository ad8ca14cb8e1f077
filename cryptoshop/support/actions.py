"""Support tickets: opening one, replying on either side, closing, the staff's status,
priority and assignee (each audited), reading, and the privacy purge.

check_* validate and raise ActionError subclasses; do_* change state and tell the other
side (a `support:new_message` event in the ticket's room — never for an internal note —
and a `ticket_opened` / `ticket_replied` notice)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import Conflict, NotFound, invalid
from cryptoshop.moderation.actions import audit, check_staff
from cryptoshop.notifications.actions import do_notify
from cryptoshop.orders.models import Order
from cryptoshop.realtime import publish
from cryptoshop.support.access import STAFF, USER
from cryptoshop.support.models import Ticket, TicketMessage

MAX_TEXT = 4000
MAX_SUBJECT = 120
STAFF_NOTICE_CAP = 20  # a new ticket tells at most this many staff accounts
Status = Ticket.Status
Role = TicketMessage.Role


def ticket_url(ticket: Ticket) -> str:
    return f"/support/{ticket.public_id}/"


def staff_ticket_url(ticket: Ticket) -> str:
    return f"/support/staff/{ticket.public_id}/"


def ticket_room(ticket: Ticket) -> str:
    return f"ticket-{ticket.public_id}"


# --- checks -----------------------------------------------------------------------------------

def check_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise invalid("text", "Write a message.")
    if len(text) > MAX_TEXT:
        raise invalid("text", f"At most {MAX_TEXT} characters.")
    return text


def check_subject(subject: str | None) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise invalid("subject", "Give the ticket a subject.")
    if len(subject) > MAX_SUBJECT:
        raise invalid("subject", f"At most {MAX_SUBJECT} characters.")
    return subject


def check_category(category: str | None) -> str:
    if category not in Ticket.Category.values:
        raise invalid("category", "Choose a category.")
    return str(category)


def orders_of(user: User) -> list[Order]:
    """The orders a user may attach: theirs as buyer or as the store's owner, newest first."""
    return list(Order.objects.filter(Q(buyer=user) | Q(store__owner=user))
                .select_related("store").order_by("-created_at")[:50])


def check_order(user: User, order_public_id: str | None) -> Order | None:
    """An order the user is a party of; anything else (someone else's order or no order
    at all) gets the same sentence, so the form never tells which orders exist."""
    if not order_public_id:
        return None
    order = (Order.objects.filter(public_id=order_public_id)
             .filter(Q(buyer=user) | Q(store__owner=user)).first())
    if order is None:
        raise invalid("order", "You have no order with that id.")
    return order


# --- opening, replying, closing ---------------------------------------------------------------

def do_open(user: User, category: str, subject: str, text: str,
            order_public_id: str | None = None) -> Ticket:
    """A new ticket with its first message; staff hear of it."""
    category = check_category(category)
    subject = check_subject(subject)
    text = check_text(text)
    order = check_order(user, order_public_id)
    ratelimit.hit("support:ticket", str(user.pk))
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(opener=user, category=category, subject=subject,
                                       order=order, created_at=now, updated_at=now,
                                       last_activity_at=now, waiting_since=now,
                                       user_read_at=now)
        TicketMessage.objects.create(ticket=ticket, author=user, author_role=Role.USER,
                                     body=text, created_at=now)
        _tell_staff(ticket)
    return ticket


def _tell_staff(ticket: Ticket) -> None:
    """The first active staff accounts hear of a new ticket: its category and id only (notices
    aren't encrypted; the subject and the message are)."""
    for staff in User.objects.filter(is_staff=True, is_active=True).order_by("id")[
            :STAFF_NOTICE_CAP]:
        if staff.pk != ticket.opener_id:
            do_notify(staff, "ticket_opened", "New support ticket",
                      f"{ticket.get_category_display()}: ticket {ticket.public_id}.",
                      url=staff_ticket_url(ticket))


def check_reply(ticket: Ticket, side: str, text: str, internal: bool) -> str:
    if internal and side != STAFF:
        raise NotFound("No such ticket.")
    if side == STAFF and ticket.opener_id is None and not internal:
        raise Conflict("The user deleted their account: only internal notes can be added.")
    return check_text(text)


def do_reply(ticket: Ticket, author: User, side: str, text: str, *,
             internal: bool = False) -> TicketMessage:
    """A message on `side` (decided by access.ticket_for). A user's reply (re)opens the
    ticket; a staff answer waits on the user; an internal note changes nothing else."""
    text = check_reply(ticket, side, text, internal)
    if side == USER:  # staff working the queue answer in bursts
        ratelimit.hit("support:message", str(author.pk))
    now = timezone.now()
    with transaction.atomic():
        message = TicketMessage.objects.create(
            ticket=ticket, author=author, author_role=Role.STAFF if side == STAFF else Role.USER,
            body=text, internal=internal, created_at=now)
        changes: dict[str, Any] = {"updated_at": now}
        if side == USER:
            changes.update(user_read_at=now, last_activity_at=now, status=Status.OPEN,
                           resolved_at=None)
            if ticket.status != Status.OPEN:
                changes["waiting_since"] = now  # back in the queue, behind older ones
        elif not internal:
            changes.update(staff_read_at=now, last_activity_at=now, status=Status.WAITING,
                           resolved_at=None)
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        for name, value in changes.items():
            setattr(ticket, name, value)
        if not internal:
            publish(ticket_room(ticket), "support:new_message", {
                "ticketId": ticket.public_id, "messageId": message.public_id,
                "authorRole": message.author_role, "at": now.isoformat()})
            if side == STAFF and ticket.opener is not None and ticket.opener.is_active:
                do_notify(ticket.opener, "ticket_replied", "Support replied",
                          f"Support answered your ticket {ticket.public_id}.",
                          url=ticket_url(ticket))
    return message


def do_close(ticket: Ticket, side: str) -> Ticket:
    """The opener marks their ticket resolved (writing again reopens it)."""
    if side != USER:
        raise NotFound("No such ticket.")
    if ticket.status == Status.RESOLVED:
        return ticket
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED, resolved_at=now,
                                               updated_at=now)
    ticket.status, ticket.resolved_at, ticket.updated_at = Status.RESOLVED, now, now
    return ticket


def do_mark_read(ticket: Ticket, side: str) -> None:
    now = timezone.now()
    field = "user_read_at" if side == USER else "staff_read_at"
    Ticket.objects.filter(pk=ticket.pk).update(**{field: now})
    setattr(ticket, field, now)


# --- staff ------------------------------------------------------------------------------------

def staff_accounts() -> list[User]:
    """Who a ticket can be assigned to: active staff with two-factor authentication."""
    return list(User.objects.filter(is_staff=True, is_active=True, totp_enabled=True)
                .order_by("display_name", "id"))


def check_assignee(public_id: str | None) -> User | None:
    if not public_id:
        return None
    staff = User.objects.filter(public_id=public_id, is_staff=True, is_active=True,
                                totp_enabled=True).first()
    if staff is None:
        raise invalid("assignee", "Choose a staff account.")
    return staff


def do_staff_update(ticket: Ticket, staff: User, *, status: str | None = None,
                    priority: str | None = None,
                    assignee: User | str | None = "keep") -> list[str]:
    """Set status, priority and/or assignee; each change goes to the audit log. Returns
    the changed field names."""
    check_staff(staff)
    if status is not None and status not in Status.values:
        raise invalid("status", "Choose a status.")
    if priority is not None and priority not in Ticket.Priority.values:
        raise invalid("priority", "Choose a priority.")
    now = timezone.now()
    changed: list[str] = []
    with transaction.atomic():
        if status is not None and status != ticket.status:
            audit(staff, "ticket_status", ticket, data={"from": ticket.status, "to": status})
            ticket.status = status
            ticket.resolved_at = now if status == Status.RESOLVED else None
            if status == Status.OPEN:
                ticket.waiting_since = now
            changed.append("status")
        if priority is not None and priority != ticket.priority:
            audit(staff, "ticket_priority", ticket,
                  data={"from": ticket.priority, "to": priority})
            ticket.priority = priority
            changed.append("priority")
        if not isinstance(assignee, str) and assignee != ticket.assignee:
            audit(staff, "ticket_assignee", ticket, data={
                "from": ticket.assignee.public_id if ticket.assignee else None,
                "to": assignee.public_id if assignee else None})
            ticket.assignee = assignee
            changed.append("assignee")
        if changed:
            ticket.updated_at = now
            ticket.save(update_fields=["status", "resolved_at", "waiting_since", "priority",
                                       "assignee", "updated_at"])
    return changed


# --- purge ------------------------------------------------------------------------------------

def purge_resolved_messages(now: datetime | None = None) -> int:
    """Privacy by minimisation: the text of a resolved ticket's messages is erased
    ORDER_PURGE_DAYS after it was resolved. The rows stay (who wrote when), marked purged."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ORDER_PURGE_DAYS)
    return TicketMessage.objects.filter(
        purged=False, ticket__status=Status.RESOLVED, ticket__resolved_at__lt=cutoff,
    ).update(body="", purged=True)
