"""Links into conversations from pages other apps render (the order page), so those apps
don't import this one: `{% load conversation_links %}{% order_thread_link order role %}`."""

from __future__ import annotations

from typing import Any

from django import template

from cryptoshop.conversations.access import unread_in
from cryptoshop.conversations.models import Thread
from cryptoshop.orders.models import Order

register = template.Library()


@register.inclusion_tag("conversations/_order_link.html")
def order_thread_link(order: Order, role: str) -> dict[str, Any]:
    thread = Thread.objects.filter(order=order).first()
    return {"order": order, "role": role,
            "unread": unread_in(thread, role) if thread is not None else 0}
