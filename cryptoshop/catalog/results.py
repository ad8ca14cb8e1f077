"""One page of catalogue results without an exact COUNT(*) per view (ADR 15).

A page reads ``limit + 1`` ids off the ordering's index (the extra one says whether a next
page exists), then the listings by id with what a card shows. The total is counted only
up to COUNT_CAP rows (a bounded COUNT over a LIMIT subquery; "10,000+" beyond), and not
at all when the first page already holds every result. The ids, the total and "is there a
next page" are cached per filter set and page under the catalogue's generation
(catalog/cache.py), and so is the cards' HTML: anonymous visitors viewing the same page
share one computation, and a listing write retires it at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from cryptoshop.catalog.actions import visible_listings
from cryptoshop.catalog.cache import COUNT_TTL_S, cached, key_of
from cryptoshop.catalog.models import Listing
from cryptoshop.catalog.queries import ListingFilters, browse_query, with_card_data
from cryptoshop.core.pagination import Pagination

COUNT_CAP = 10_000


class Cards:
    """Listings by id, fetched only when iterated; ``html`` is their cards, cached under
    ``key`` (so a cached page makes no query at all)."""

    def __init__(self, key: str, ids: list[int], *, tags: bool = False) -> None:
        self.key, self.ids, self.tags = key, ids, tags

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Listing]:
        return iter(self.listings)

    @cached_property
    def listings(self) -> list[Listing]:
        # By primary key alone: with "visible = 1" too SQLite would walk the visible index.
        qs = with_card_data(Listing.objects.filter(pk__in=self.ids))
        if self.tags:
            qs = qs.prefetch_related("tags")
        by_id = {listing.pk: listing for listing in qs}
        return [by_id[pk] for pk in self.ids if pk in by_id]

    @property
    def html(self) -> SafeString:
        return mark_safe(cached(f"cards:{self.key}",  # noqa: S308 (our own template's output)
                                lambda: render_to_string("catalog/_cards.html",
                                                         {"listings": self.listings}),
                                COUNT_TTL_S))


def _count(filters: ListingFilters) -> int:
    """How many match, counting at most COUNT_CAP + 1: SELECT COUNT(*) FROM (SELECT id …
    LIMIT n), unordered and unranked, so it stops early and never sorts."""
    return browse_query(filters, counting=True).values("id")[: COUNT_CAP + 1].count()


def _compute(filters: ListingFilters, page: int) -> dict[str, Any]:
    qs = browse_query(filters)
    limit = filters.limit
    ids = list(qs.values_list("id", flat=True)[(page - 1) * limit: page * limit + 1])
    if page > 1 and not ids:
        # Past the end (a stale link, a hand-edited URL): show the last page instead.
        last = max(1, -(-min(_count(filters), COUNT_CAP) // limit))
        return _compute(filters, last) if last < page else \
            {"ids": [], "total": 0, "exact": True, "more": False, "page": 1}
    more = len(ids) > limit
    total = len(ids) if page == 1 and not more else _count(filters)
    return {"ids": ids[:limit], "total": min(total, COUNT_CAP), "exact": total <= COUNT_CAP,
            "more": more, "page": page}


def result_page(filters: ListingFilters, *, tags: bool = False) -> tuple[Cards, Pagination]:
    """The listings of filters.page in order (as Cards) and how to page on."""
    key = key_of(f"{filters.query_string()}&limit={filters.limit}")
    found = cached(f"page:{key}", lambda: _compute(filters, filters.page), COUNT_TTL_S)
    limit, total = filters.limit, found["total"]
    pages = max(1, -(-total // limit), found["page"] + (1 if found["more"] else 0))
    return (Cards(key, found["ids"], tags=tags),
            Pagination(page=found["page"], limit=limit, total=total, pages=pages,
                       exact=found["exact"], more=found["more"]))


def _shelf_ids() -> dict[str, list[int]]:
    visible = visible_listings()
    return {"featured": list(visible.filter(featured=True).order_by("-created_at", "-id")
                             .values_list("id", flat=True)[:6]),
            "newest": list(visible.order_by("-created_at", "-id")
                           .values_list("id", flat=True)[:12])}


def home_shelves() -> tuple[Cards, Cards]:
    """The home page's featured and newest listings (cached like a results page)."""
    shelves = cached("home", _shelf_ids, COUNT_TTL_S)
    return Cards("home-featured", shelves["featured"]), Cards("home-newest", shelves["newest"])
