"""Who may see which thread, and what is unread. Pages, the API, live rooms and the
moderation side all ask here; anyone who is not a party gets NotFound (404)."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from cryptoshop.accounts.models import User
from cryptoshop.conversations.models import Message, Thread
from cryptoshop.conversations.registry import THREAD_ARBITER
from cryptoshop.core.errors import NotFound

Role = Message.Role


def role_of(thread: Thread, user: User | None) -> str | None:
    """buyer, seller or arbiter (an order thread in dispute, as escrow decides); None for
    everyone else, including staff outside a dispute."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if thread.buyer_id is not None and thread.buyer_id == user.pk:
        return Role.BUYER
    if thread.store.owner_id == user.pk:
        return Role.SELLER
    if thread.order_id is not None and thread.order is not None and any(
            check(user, thread.order) for check in THREAD_ARBITER):
        return Role.ARBITER
    return None


def thread_for(user: User | None, public_id: str) -> tuple[Thread, str]:
    thread = (Thread.objects.select_related("store", "order", "listing")
              .filter(public_id=public_id).first())
    role = role_of(thread, user) if thread is not None else None
    if thread is None or role is None:
        raise NotFound("No such conversation.")
    return thread, role


def message_in(thread: Thread, public_id: str) -> Message:
    message = thread.messages.filter(public_id=public_id).first()
    if message is None:
        raise NotFound("No such message.")
    return message


def threads_of(user: User) -> QuerySet[Thread]:
    """The user's conversations (as buyer and as seller) with something said, newest first,
    each with `unread`: one query for any number of threads."""
    # Thread-side fields keep their names; message-side ones go through "messages__".
    unread = (Q(messages__hidden=False) & (
        (Q(buyer=user) & Q(messages__created_at__gt=F("buyer_read_at"))
         & ~Q(messages__author_role=Role.BUYER))
        | (Q(store__owner=user) & Q(messages__created_at__gt=F("seller_read_at"))
           & ~Q(messages__author_role=Role.SELLER))))
    return (Thread.objects.filter(Q(buyer=user) | Q(store__owner=user),
                                  last_message_at__isnull=False)
            .select_related("store", "order", "listing")
            .annotate(unread=Count("messages", filter=unread))
            .order_by("-last_message_at", "-id"))


def unread_total(user: User) -> int:
    """Unread messages over all the user's threads (the header badge): one query."""
    mine = Q(thread__buyer=user) | Q(thread__store__owner=user)
    return (Message.objects.filter(mine).filter(hidden=False).filter(
        (Q(thread__buyer=user) & Q(created_at__gt=F("thread__buyer_read_at"))
         & ~Q(author_role=Role.BUYER))
        | (Q(thread__store__owner=user) & Q(created_at__gt=F("thread__seller_read_at"))
           & ~Q(author_role=Role.SELLER))).count())


def unread_in(thread: Thread, role: str) -> int:
    if role == Role.BUYER:
        since, mine = thread.buyer_read_at, Role.BUYER
    elif role == Role.SELLER:
        since, mine = thread.seller_read_at, Role.SELLER
    else:
        return 0
    return thread.messages.filter(hidden=False, created_at__gt=since).exclude(
        author_role=mine).count()
