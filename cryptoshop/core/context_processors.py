from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

THEMES = ("system", "light", "dark")


def theme_of(request: HttpRequest) -> str:
    value = request.COOKIES.get("theme", "system")
    return value if value in THEMES else "system"


def site(request: HttpRequest) -> dict[str, object]:
    def cart_count() -> int:
        # Called only by templates that show it (the navbar): one query, no cart created.
        from cryptoshop.cart.actions import cart_count as count
        from cryptoshop.cart.actions import get_cart

        return count(get_cart(request))

    def is_seller() -> bool:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated
                    and hasattr(user, "store"))

    return {
        "SITE_NAME": settings.SITE_NAME,
        "VERSION": settings.VERSION,
        "theme": theme_of(request),
        "cart_count": cart_count,
        "is_seller": is_seller,
    }
