"""Whole catalogue pages for anonymous visitors, from the cache (ADR 15).

A visitor without a session sees exactly what every other one sees — no account, no cart,
no flash messages — except the CSRF token in the page's forms (the theme switch, "add to
cart", "report") and the theme, which comes from its own cookie. So those pages are
rendered once per path, query string and theme, under the catalogue's cache generation
(catalog/cache.py: any write the pages show retires them), and served with this request's
own CSRF token put back in. Rendering the layout, the filter form and the category tree
was most of a warm page's cost; a cached page costs about what the trivial view does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from cryptoshop.catalog.cache import COUNT_TTL_S, cached, key_of
from cryptoshop.core.context_processors import theme_of

_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')
_SLOT = "\x00csrf\x00"  # never in a page: NUL is refused in every input (core/api.py)


def _anonymous(request: HttpRequest) -> bool:
    # No session: no account, no cart, no flash messages (stored in the session or in
    # the "messages" cookie). The CSRF cookie alone changes nothing but the token.
    return (request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
            and not request.headers.get("X-Requested-With"))


def anonymous_page(request: HttpRequest, render: Callable[[], HttpResponse]) -> HttpResponse:
    """render()'s page, from the cache for a visitor without a session."""
    if not _anonymous(request):
        return render()
    produced: list[HttpResponse] = []

    def page() -> str | None:
        response = render()
        produced.append(response)
        if response.status_code != 200 or response.cookies or response.streaming:
            return None
        return _TOKEN.sub(lambda m: m.group(1) + _SLOT + m.group(2),
                          response.content.decode())

    key = key_of(f"{theme_of(request)} {request.get_full_path()}")
    html = cached(f"html:{key}", page, COUNT_TTL_S)
    if produced or html is None:  # rendered just now: send that response as it is
        return produced[0] if produced else render()
    # A fresh mask of this visitor's own secret (and its cookie set if it has none yet).
    return HttpResponse(html.replace(_SLOT, get_token(request)))
