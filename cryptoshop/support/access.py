"""Who may see which ticket, and what is unread. Pages, the API and the live room all ask
here: a ticket is its opener's and the (2FA) staff's; anyone else gets NotFound (404)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from cryptoshop.accounts.models import User
from cryptoshop.core.errors import NotFound
from cryptoshop.support.models import Ticket, TicketMessage

USER = "user"
STAFF = "staff"


def is_staff(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.acts_as_staff


def side_of(ticket: Ticket, user: User | None, *, as_staff: bool = False) -> str | None:
    """"user" for the opener, "staff" for active staff with 2FA (when `as_staff`, or when
    they aren't the opener); None for everyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not as_staff and ticket.opener_id is not None and ticket.opener_id == user.pk:
        return USER
    if is_staff(user):
        return STAFF
    return None


def ticket_for(user: User | None, public_id: str, *, as_staff: bool = False) -> tuple[Ticket,
                                                                                       str]:
    ticket = (Ticket.objects.select_related("opener", "order", "assignee")
              .filter(public_id=public_id).first())
    side = side_of(ticket, user, as_staff=as_staff) if ticket is not None else None
    if ticket is None or side is None:
        raise NotFound("No such ticket.")
    return ticket, side


def messages_for(ticket: Ticket, side: str) -> QuerySet[TicketMessage]:
    """The ticket's messages as `side` sees them: internal notes only for staff."""
    messages = ticket.messages.select_related("author")
    return messages if side == STAFF else messages.filter(internal=False)


def _unread_for_user() -> Q:
    return Q(messages__author_role=TicketMessage.Role.STAFF, messages__internal=False,
             messages__created_at__gt=F("user_read_at"))


def tickets_of(user: User) -> QuerySet[Ticket]:
    """The user's own tickets, latest activity first, each with `unread` (staff replies
    since they last looked): one query for any number of tickets."""
    return (Ticket.objects.filter(opener=user).select_related("order")
            .annotate(unread=Count("messages", filter=_unread_for_user()))
            .order_by("-last_activity_at", "-id"))


def unread_total(user: User) -> int:
    return TicketMessage.objects.filter(
        ticket__opener=user, author_role=TicketMessage.Role.STAFF, internal=False,
        created_at__gt=F("ticket__user_read_at")).count()


def unread_in(ticket: Ticket, side: str) -> int:
    if side == USER:
        return ticket.messages.filter(author_role=TicketMessage.Role.STAFF, internal=False,
                                      created_at__gt=ticket.user_read_at).count()
    return ticket.messages.filter(author_role=TicketMessage.Role.USER,
                                  created_at__gt=ticket.staff_read_at).count()


@dataclass(frozen=True)
class QueueFilter:
    status: str = Ticket.Status.OPEN  # "" for any
    priority: str = ""
    assignee: str = "anyone"  # me, unassigned, anyone
    category: str = ""


def staff_queue(staff: User, wanted: QueueFilter) -> QuerySet[Ticket]:
    """The staff queue: oldest-waiting first, each with `unread` (user messages since staff
    last looked). One query for any number of tickets."""
    qs = Ticket.objects.all()
    if wanted.status in Ticket.Status.values:
        qs = qs.filter(status=wanted.status)
    if wanted.priority in Ticket.Priority.values:
        qs = qs.filter(priority=wanted.priority)
    if wanted.category in Ticket.Category.values:
        qs = qs.filter(category=wanted.category)
    if wanted.assignee == "me":
        qs = qs.filter(assignee=staff)
    elif wanted.assignee == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    unread = Q(messages__author_role=TicketMessage.Role.USER,
               messages__created_at__gt=F("staff_read_at"))
    return (qs.select_related("opener", "assignee", "order")
            .annotate(unread=Count("messages", filter=unread))
            .order_by("waiting_since", "id"))
