"""The header's unread badge, for every page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from cryptoshop.notifications.actions import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    def count() -> int:
        # Lazy: one COUNT, only when a template shows the badge (base.html, logged in).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_count(user)

    return {"unread_notice_count": count}
