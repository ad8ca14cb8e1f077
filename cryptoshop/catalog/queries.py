"""Browse and search: one function behind the home, category, search and store pages and
GET /api/products, so filters behave the same everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Prefetch, QuerySet

from cryptoshop.catalog.actions import category_and_descendants, visible_listings
from cryptoshop.catalog.models import Category, Listing, ListingImage
from cryptoshop.catalog.search import filter_search, terms_of
from cryptoshop.core.errors import ValidationFailed
from cryptoshop.core.pagination import clamp_limit, clamp_page

SORTS = ("relevance", "newest", "price", "bestselling", "rating")
MAX_SAT = 2_100_000_000_000_000


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    category: str = ""
    min_price_sat: int | None = None
    max_price_sat: int | None = None
    kind: str = ""
    in_stock: bool = False
    store: str = ""
    sort_by: str = ""
    sort_order: str = ""
    page: int = 1
    limit: int = 24

    @property
    def effective_sort(self) -> str:
        # Relevance needs words to rank by: "!", "₿" or "--" have none (search.terms_of).
        searching = bool(terms_of(self.q))
        if self.sort_by in SORTS and not (self.sort_by == "relevance" and not searching):
            return self.sort_by
        return "relevance" if searching else "newest"

    @property
    def base_query(self) -> str:
        """The filters without the page number, for pagination links."""
        return self.query_string(page=1)

    def query_string(self, **changes: Any) -> str:
        """The GET query for these filters (for pagination and sort links)."""
        from urllib.parse import urlencode

        values = {"q": self.q, "category": self.category, "minPrice": self.min_price_sat,
                  "maxPrice": self.max_price_sat, "kind": self.kind,
                  "inStock": "1" if self.in_stock else "", "store": self.store,
                  "sortBy": self.sort_by, "sortOrder": self.sort_order, "page": self.page}
        values.update(changes)
        clean = {k: v for k, v in values.items() if v not in (None, "")}
        if clean.get("page") == 1:
            del clean["page"]
        return urlencode(clean)


def _int_param(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).replace(",", "").replace("_", ""))
    except ValueError:
        errors[name] = ["A whole number of sats."]
        return None
    if not 0 <= value <= MAX_SAT:
        errors[name] = ["Between 0 and 21 million BTC in sats."]
        return None
    return value


def parse_filters(params: Mapping[str, Any], *, strict: bool) -> ListingFilters:
    """Read filters from query parameters. strict (the API) rejects bad values with 400;
    pages ignore them, so a hand-edited URL still shows something sensible."""
    errors: dict[str, list[str]] = {}
    q = str(params.get("q", "") or "").strip()[:200]
    min_price_sat = _int_param(params, "minPrice", errors)
    max_price_sat = _int_param(params, "maxPrice", errors)
    if min_price_sat is not None and max_price_sat is not None and min_price_sat > max_price_sat:
        errors["maxPrice"] = ["Must not be below minPrice."]
    kind = str(params.get("kind", "") or "")
    if kind and kind not in Listing.Kind.values:
        errors["kind"] = ["physical or digital."]
    sort_by = str(params.get("sortBy", "") or "")
    if sort_by and sort_by not in SORTS:
        errors["sortBy"] = ["One of: " + ", ".join(SORTS) + "."]
    sort_order = str(params.get("sortOrder", "") or "").lower()
    if sort_order and sort_order not in ("asc", "desc"):
        errors["sortOrder"] = ["asc or desc."]
    page_raw, limit_raw = params.get("page"), params.get("limit")
    if strict:
        for name, raw, high in (("page", page_raw, 10_000), ("limit", limit_raw, 100)):
            if raw not in (None, "") and (not str(raw).isdigit() or not 1 <= int(raw) <= high):
                errors[name] = [f"A whole number from 1 to {high}."]
    if errors and strict:
        raise ValidationFailed(errors)
    in_stock = str(params.get("inStock", "") or "").lower() in {"1", "true", "on", "yes"}
    return ListingFilters(
        q=q, category=str(params.get("category", "") or "")[:60],
        min_price_sat=None if "minPrice" in errors else min_price_sat,
        max_price_sat=None if "maxPrice" in errors else max_price_sat,
        kind="" if "kind" in errors else kind, in_stock=in_stock,
        store=str(params.get("store", "") or "")[:60],
        sort_by="" if "sortBy" in errors else sort_by,
        sort_order="" if "sortOrder" in errors else sort_order,
        page=clamp_page(page_raw), limit=clamp_limit(limit_raw),
    )


def with_card_data(qs: QuerySet[Listing]) -> QuerySet[Listing]:
    """What a listing card shows, in a fixed number of queries whatever the page size."""
    return qs.select_related("store", "category").prefetch_related(
        Prefetch("images", queryset=ListingImage.objects.order_by("position", "id")))


def browse(filters: ListingFilters, base: QuerySet[Listing] | None = None) -> QuerySet[Listing]:
    qs = visible_listings() if base is None else base
    if filters.category:
        category = Category.objects.filter(slug=filters.category).first()
        qs = qs.filter(category_and_descendants(category)) if category else qs.none()
    if filters.store:
        qs = qs.filter(store__slug=filters.store)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.in_stock:
        qs = qs.exclude(stock=0)
    if filters.min_price_sat is not None:
        qs = qs.filter(sort_price_sat__gte=filters.min_price_sat)
    if filters.max_price_sat is not None:
        qs = qs.filter(sort_price_sat__lte=filters.max_price_sat)
    if filters.q:
        qs = filter_search(qs, filters.q, rank=filters.effective_sort == "relevance")
    sort, descending = filters.effective_sort, filters.sort_order != "asc"
    if sort == "relevance":
        # On SQLite search_rank comes from extra(select=…), which the ORM's F() can't see.
        rank_order = "-search_rank"
        qs = qs.order_by(rank_order, "-created_at") if connection.vendor == "sqlite" \
            else qs.order_by(F("search_rank").desc(nulls_last=True), "-created_at")
    elif sort == "price":
        # Cheapest first unless asked otherwise; unpriced (fiat without a rate) last.
        price = F("sort_price_sat")
        ascending = filters.sort_order != "desc"
        qs = qs.order_by(price.asc(nulls_last=True) if ascending
                         else price.desc(nulls_last=True), "-created_at")
    elif sort == "bestselling":
        qs = qs.order_by("-sold_count" if descending else "sold_count", "-created_at")
    elif sort == "rating":
        qs = qs.order_by("-rating_avg" if descending else "rating_avg", "-rating_count",
                         "-created_at")
    else:
        qs = qs.order_by("-created_at" if descending else "created_at", "-id")
    return with_card_data(qs)
