"""/help/, /terms/, /privacy/, /fees/: the shop's pages, linked from every footer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cryptoshop.pages.content import shown_page


@require_GET
def page(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "pages/page.html", {"page": shown_page(slug)})
