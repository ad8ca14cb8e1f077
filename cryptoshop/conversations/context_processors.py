"""The header's "Messages" link and its unread count, for every page."""

from __future__ import annotations

from django.http import HttpRequest

from cryptoshop.accounts.who import viewer
from cryptoshop.conversations.access import unread_total


def conversations(request: HttpRequest) -> dict[str, object]:
    def count() -> int:
        # Called only where the header shows it: one query, for logged-in users only.
        user = viewer(request)
        return unread_total(user) if user is not None else 0

    return {"messages_unread": count}
