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
    }
