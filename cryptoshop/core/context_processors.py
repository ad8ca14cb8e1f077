from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

THEMES = ("system", "light", "dark")


def theme_of(request: HttpRequest) -> str:
    value = request.COOKIES.get("theme", "system")
    return value if value in THEMES else "system"


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "VERSION": settings.VERSION,
        "theme": theme_of(request),
    }
