"""Conversations: asking a store about a listing, writing in a thread (text and a photo),
reading, blocking an asker, and the privacy purge.

check_* validate and raise ActionError subclasses; do_* change state and tell the other
side (a `message:new` event in the thread's room, a `message_new` notice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.catalog.actions import listing_for_viewer
from cryptoshop.catalog.models import Listing
from cryptoshop.conversations.access import role_of
from cryptoshop.conversations.models import Message, Thread
from cryptoshop.conversations.registry import THREAD_HELD
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import ActionError, Conflict, NotFound, invalid
from cryptoshop.core.images import ImageRejected, delete_image, store_image
from cryptoshop.notifications.actions import do_notify
from cryptoshop.orders.models import Order
from cryptoshop.realtime import publish

MAX_TEXT = 4000
PHOTO_FOLDER = "messages"
FINISHED = (Order.Status.COMPLETED, Order.Status.REFUNDED, Order.Status.CANCELLED,
            Order.Status.EXPIRED)
Role = Message.Role


def thread_url(thread: Thread) -> str:
    return f"/messages/{thread.public_id}/"


def thread_room(thread: Thread) -> str:
    return f"thread-{thread.public_id}"


def check_text(text: str, *, has_photo: bool = False) -> str:
    text = (text or "").strip()
    if not text and not has_photo:
        raise invalid("text", "Write a message (or add a photo).")
    if len(text) > MAX_TEXT:
        raise invalid("text", f"At most {MAX_TEXT} characters.")
    return text


def thread_for_order(order: Order) -> Thread:
    """The order's thread, made on first use (one per order)."""
    thread = Thread.objects.filter(order=order).first()
    if thread is not None:
        return thread
    try:
        with transaction.atomic():
            return Thread.objects.create(kind=Thread.Kind.ORDER, order=order, store=order.store,
                                         buyer=order.buyer, subject=f"Order {order.public_id}")
    except IntegrityError:  # made by a concurrent request
        return Thread.objects.get(order=order)


def order_thread_for(user: User, order_public_id: str, *,
                     create: bool = True) -> tuple[Thread | None, str]:
    """An order's thread for one of its parties (or the arbiter), made on first use unless
    `create` is off (then None until someone writes); 404 for anyone else."""
    order = Order.objects.select_related("store").filter(public_id=order_public_id).first()
    if order is None:
        raise NotFound("No such order.")
    thread = Thread.objects.select_related("store", "order").filter(order=order).first()
    probe = thread or Thread(kind=Thread.Kind.ORDER, order=order, store=order.store,
                             buyer_id=order.buyer_id)
    role = role_of(probe, user)
    if role is None:
        raise NotFound("No such order.")
    if thread is None and create:
        thread = thread_for_order(order)
    return thread, role


def question_thread(user: User, listing: Listing) -> Thread | None:
    return Thread.objects.filter(kind=Thread.Kind.QUESTION, buyer=user, listing=listing).first()


def check_ask(user: User, listing_public_id: str) -> Listing:
    listing = listing_for_viewer(listing_public_id, user)
    if not (listing.is_visible and listing.store.is_active):
        raise NotFound("No such listing.")
    if listing.store.owner_id == user.pk:
        raise ActionError("This is your own listing.", code="own_listing")
    return listing


def _store_photo(photo: bytes | None) -> str:
    if not photo:
        return ""
    try:
        return store_image(photo, PHOTO_FOLDER).path
    except ImageRejected as exc:
        raise invalid("photo", str(exc)) from exc


def do_ask(user: User, listing: Listing, text: str, photo: bytes | None = None) -> Thread:
    """Open (or continue) the user's question thread with the listing's store."""
    thread = question_thread(user, listing)
    if thread is not None:
        do_post(thread, user, Role.BUYER, text, photo)
        return thread
    check_text(text, has_photo=bool(photo))
    ratelimit.hit("conversations:thread", str(user.pk))
    try:
        # The thread and its first message together: a refused photo leaves no empty thread.
        with transaction.atomic():
            thread = Thread.objects.create(kind=Thread.Kind.QUESTION, store=listing.store,
                                           buyer=user, listing=listing,
                                           subject=listing.title[:120])
            do_post(thread, user, Role.BUYER, text, photo)
    except IntegrityError:  # a concurrent first question: write in that one
        thread = Thread.objects.get(kind=Thread.Kind.QUESTION, buyer=user, listing=listing)
        do_post(thread, user, Role.BUYER, text, photo)
    return thread


def check_post(thread: Thread, role: str, text: str, has_photo: bool) -> str:
    if role == Role.BUYER and thread.blocked:
        raise Conflict("The seller closed this conversation: you can't write here any more.")
    return check_text(text, has_photo=has_photo)


def do_post(thread: Thread, user: User | None, role: str, text: str,
            photo: bytes | None = None) -> Message:
    """Add a message as `role` (already decided by role_of, or escrow for the arbiter)."""
    text = check_post(thread, role, text, bool(photo))
    if user is not None:
        ratelimit.hit("conversations:message", str(user.pk))
    path = _store_photo(photo)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(thread=thread, author=user, author_role=role,
                                         body=text, attachment=path, created_at=now)
        read = {"buyer_read_at": now} if role == Role.BUYER else (
            {"seller_read_at": now} if role == Role.SELLER else {})
        Thread.objects.filter(pk=thread.pk).update(last_message_at=now, **read)
        thread.last_message_at = now
        publish(thread_room(thread), "message:new", {
            "threadId": thread.public_id, "messageId": message.public_id, "role": role,
            "at": now.isoformat()})
        _tell_others(thread, role)
    return message


def _tell_others(thread: Thread, role: str) -> None:
    """A `message_new` notice for the other side(s); never the text (notices aren't
    encrypted)."""
    about = thread.subject or "your conversation"
    targets: list[tuple[User | None, str]] = []
    if role != Role.BUYER:
        targets.append((thread.buyer, f"The {'seller' if role == Role.SELLER else role} "
                                      f"wrote about {about}."))
    if role != Role.SELLER:
        targets.append((thread.store.owner, f"The {role} wrote about {about}."))
    for who, sentence in targets:
        if who is not None and who.is_active:
            do_notify(who, "message_new", "New message", sentence, url=thread_url(thread))


def do_mark_read(thread: Thread, role: str) -> None:
    now = timezone.now()
    if role == Role.BUYER:
        Thread.objects.filter(pk=thread.pk).update(buyer_read_at=now)
        thread.buyer_read_at = now
    elif role == Role.SELLER:
        Thread.objects.filter(pk=thread.pk).update(seller_read_at=now)
        thread.seller_read_at = now


def do_block(thread: Thread, role: str, blocked: bool) -> Thread:
    """The seller closes (or reopens) a question thread to its asker."""
    if role != Role.SELLER:
        raise NotFound("No such conversation.")
    if thread.kind != Thread.Kind.QUESTION:
        raise ActionError("Only a question about a listing can be closed; an order's "
                          "conversation stays open.", code="order_thread")
    Thread.objects.filter(pk=thread.pk).update(blocked=blocked)
    thread.blocked = blocked
    return thread


def purge_old_messages(now: datetime | None = None) -> int:
    """Privacy by minimisation: message text and photos are erased ORDER_PURGE_DAYS after
    the order finished (a question: after its last message), unless an open dispute holds
    the order's thread. The rows stay (who wrote when), marked purged."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ORDER_PURGE_DAYS)
    held: set[int] = set()
    for hook in THREAD_HELD:
        held |= set(hook())
    due = Message.objects.filter(purged=False).filter(
        Q(thread__kind=Thread.Kind.ORDER, thread__order__status__in=FINISHED,
          thread__order__updated_at__lt=cutoff)
        | Q(thread__kind=Thread.Kind.QUESTION, thread__last_message_at__lt=cutoff)
    ).exclude(thread__order__in=sorted(held))
    purged = 0
    for message in due.only("pk", "attachment"):
        delete_image(message.attachment, message.thumb)
        purged += Message.objects.filter(pk=message.pk).update(body="", attachment="",
                                                               purged=True)
    return purged
