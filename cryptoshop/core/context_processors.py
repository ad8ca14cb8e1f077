from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

THEMES = ("system", "light", "dark")


def theme_of(request: HttpRequest) -> str:
    value = request.COOKIES.get("theme", "system")
    return value if value in THEMES else "system"


def site(request: HttpRequest) -> dict[str, object]:
    def is_seller() -> bool:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated
                    and hasattr(user, "store"))

    return {
        "SITE_NAME": settings.SITE_NAME,
        "VERSION": settings.VERSION,
        "theme": theme_of(request),
        "is_seller": is_seller,
        # A page re-fetched by live.js (or a page script) to swap one part of it in: it must
        # not show, and so use up, the flash messages the user's next real page is owed.
        "live_fetch": request.headers.get("X-Requested-With") == "live",
    }
