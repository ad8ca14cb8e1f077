"""/api/orders/{id}/messages and /api/conversations: the brief's message API over the same
actions as the pages. Photos are sent through the page only (like escrow's evidence)."""

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
from cryptoshop.conversations import actions
from cryptoshop.conversations.access import threads_of
from cryptoshop.conversations.models import Message, Thread
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

router = Router(tags=["conversations"])


class MessageIn(In):
    model_config = ConfigDict(extra="forbid")  # unknown fields are a 400, not ignored

    text: str = Field(max_length=actions.MAX_TEXT + 100)


class MessageOut(CamelSchema):
    id: str
    role: str  # buyer, seller, arbiter, system
    mine: bool
    text: str  # "" when hidden by a moderator or erased on schedule
    hidden: bool
    has_photo: bool
    at: datetime


class ThreadMessagesOut(CamelSchema):
    thread_id: str | None  # None until somebody writes
    role: str
    blocked: bool
    messages: list[MessageOut]


class ConversationOut(CamelSchema):
    id: str
    kind: str  # order or question
    role: str  # the caller's side: buyer or seller
    order_id: str | None
    listing_id: str | None
    subject: str
    store_name: str
    blocked: bool
    unread: int
    last_message_at: datetime | None


def message_out(message: Message, me: User) -> dict[str, Any]:
    shown = not (message.hidden or message.purged)
    return {"id": message.public_id, "role": message.author_role,
            "mine": message.author_id == me.pk, "text": message.body if shown else "",
            "hidden": message.hidden, "hasPhoto": shown and bool(message.attachment),
            "at": message.created_at}


def _conversation_out(thread: Thread, me: User) -> dict[str, Any]:
    return {"id": thread.public_id, "kind": thread.kind,
            "role": "buyer" if thread.buyer_id == me.pk else "seller",
            "orderId": thread.order.public_id if thread.order else None,
            "listingId": thread.listing.public_id if thread.listing else None,
            "subject": thread.subject, "storeName": thread.store.name,
            "blocked": thread.blocked, "unread": thread.unread,  # type: ignore[attr-defined]
            "lastMessageAt": thread.last_message_at}


@router.get("/orders/{order_id}/messages", auth=api_auth, response=envelope(ThreadMessagesOut),
            by_alias=True)
def order_messages(request: HttpRequest, order_id: str) -> dict[str, Any]:
    """The order's conversation (its buyer, its seller, or the arbiter of its open
    dispute; anyone else gets 404). Reading marks it read."""
    me = api_caller(request)
    thread, role = actions.order_thread_for(me, order_id, create=False)
    if thread is None:
        return ok({"threadId": None, "role": role, "blocked": False, "messages": []})
    actions.do_mark_read(thread, role)
    return ok({"threadId": thread.public_id, "role": role, "blocked": thread.blocked,
               "messages": [message_out(m, me) for m in thread.messages.all()]})


@router.post("/orders/{order_id}/messages", auth=api_auth,
             response={201: envelope(MessageOut), **errors(429)}, by_alias=True)
def post_order_message(request: HttpRequest, order_id: str,
                       payload: MessageIn) -> Status[dict[str, Any]]:
    """Write in the order's conversation (text, up to 4000 characters)."""
    me = api_caller(request)
    thread, role = actions.order_thread_for(me, order_id)
    assert thread is not None
    message = actions.do_post(thread, me, role, payload.text)
    return Status(201, ok(message_out(message, me)))


@router.get("/conversations", auth=api_auth,
            response=paged_envelope(ConversationOut, "ConversationListOut"), by_alias=True)
def conversations(request: HttpRequest, page: Page = 1, limit: Limit = 20) -> dict[str, Any]:
    """Your conversations as buyer and as seller, newest first, with unread counts."""
    me = api_caller(request)
    items, pagination = paginate(threads_of(me), page, limit)
    return paged([_conversation_out(t, me) for t in items], pagination)
