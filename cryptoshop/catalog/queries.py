"""Browse and search: one function behind the home, category, search and store pages and
GET /api/products, so filters behave the same everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Prefetch, Q, QuerySet

from cryptoshop.catalog.actions import visible_listings
from cryptoshop.catalog.categories import category_ids
from cryptoshop.catalog.models import Listing, ListingImage
from cryptoshop.catalog.search import filter_search, terms_of
from cryptoshop.core.errors import ValidationFailed
from cryptoshop.core.pagination import clamp_limit, clamp_page

# "price" is cheapest first (sortOrder=desc turns it round); "priceDesc" is the same as
# price + desc, for forms whose one <select> can't set sortOrder too. Prices compare in sats
# at the current rate, fiat-priced listings included (catalog/pricing.py).
SORTS = ("relevance", "newest", "price", "priceDesc", "bestselling", "rating")
MAX_SAT = 2_100_000_000_000_000
SORT_LABELS = {"relevance": "Best match", "newest": "Newest", "price": "Price: low to high",
               "priceDesc": "Price: high to low", "bestselling": "Best-selling",
               "rating": "Rating"}
PARAM_LABELS = {"minPrice": "Minimum price", "maxPrice": "Maximum price", "kind": "Kind",
                "sortBy": "Sort", "sortOrder": "Sort order", "minRating": "Minimum rating"}
# The rating filter: listings whose average is at least this many stars (reviewed ones only).
MIN_RATINGS = (1, 2, 3, 4)


@dataclass(frozen=True)
class ListingFilters:
    q: str = ""
    category: str = ""
    min_price_sat: int | None = None
    max_price_sat: int | None = None
    kind: str = ""
    in_stock: bool = False
    store: str = ""
    min_rating: int | None = None
    sort_by: str = ""
    sort_order: str = ""
    page: int = 1
    limit: int = 24
    # What a page ignored and why, to say above the results (the API refuses instead).
    notices: tuple[str, ...] = ()

    @property
    def effective_sort(self) -> str:
        # Relevance needs words to rank by: "!", "₿" or "--" have none (search.terms_of).
        searching = bool(terms_of(self.q))
        if self.sort_by in SORTS and not (self.sort_by == "relevance" and not searching):
            return self.sort_by
        return "relevance" if searching else "newest"

    @property
    def sort_choice(self) -> str:
        """The sort menu's value for these filters ("priceDesc" for price + desc)."""
        sort = self.effective_sort
        return "priceDesc" if sort == "price" and self.sort_order == "desc" else sort

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        """The sort menu: (sortBy value, label); "Best match" only when there are words."""
        skip = set() if terms_of(self.q) else {"relevance"}
        return [(k, v) for k, v in SORT_LABELS.items() if k not in skip]

    @property
    def sort_label(self) -> str:
        return SORT_LABELS[self.sort_choice]

    @property
    def active_count(self) -> int:
        """How many narrowing filters are set (price bounds, kind, in stock, rating)."""
        return sum((self.min_price_sat is not None, self.max_price_sat is not None,
                    bool(self.kind), self.in_stock, self.min_rating is not None))

    @property
    def summary(self) -> list[str]:
        """How the results are narrowed and sorted, in words (under the results heading)."""
        low, high = self.min_price_sat, self.max_price_sat
        parts = [self.sort_label]
        if low is not None and high is not None:
            parts.append(f"{low:,}–{high:,} sats")
        elif low is not None:
            parts.append(f"from {low:,} sats")
        elif high is not None:
            parts.append(f"up to {high:,} sats")
        if self.kind:
            parts.append(f"{self.kind} goods")
        if self.in_stock:
            parts.append("in stock only")
        if self.min_rating is not None:
            parts.append(f"rated {self.min_rating}★ and up")
        return parts

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
                  "minRating": self.min_rating,
                  "sortBy": self.sort_by, "sortOrder": self.sort_order, "page": self.page}
        values.update(changes)
        clean = {k: v for k, v in values.items() if v not in (None, "")}
        if clean.get("page") == 1:
            del clean["page"]
        return urlencode(clean)


class _Problems:
    """Bad parameters: ``errors`` for the API's 400 (by parameter), ``notices`` for a page
    to say what it ignored."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        self.errors: dict[str, list[str]] = {}
        self.notices: list[str] = []

    def add(self, name: str, error: str, why: str) -> None:
        self.errors[name] = [error]
        raw = str(self.params.get(name, ""))
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        self.notices.append(f"{PARAM_LABELS[name]} “{shown}” ignored: {why}.")


def _int_param(params: Mapping[str, Any], name: str, problems: _Problems) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).replace(",", "").replace("_", ""))
    except ValueError:
        problems.add(name, "A whole number of sats.", "not a whole number of sats")
        return None
    if not 0 <= value <= MAX_SAT:
        problems.add(name, "Between 0 and 21 million BTC in sats.",
                     "prices go from 0 to 21 million BTC in sats")
        return None
    return value


def _min_rating(params: Mapping[str, Any], problems: _Problems) -> int | None:
    raw = str(params.get("minRating", "") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in MIN_RATINGS:
        problems.add("minRating", "One of: 1, 2, 3, 4.", "choose 1 to 4 stars")
        return None
    return int(raw)


def _sort(params: Mapping[str, Any], problems: _Problems) -> tuple[str, str]:
    sort_by = str(params.get("sortBy", "") or "")
    if sort_by and sort_by not in SORTS:
        problems.add("sortBy", "One of: " + ", ".join(SORTS) + ".",
                     "not a sort this shop knows")
        sort_by = ""
    sort_order = str(params.get("sortOrder", "") or "").lower()
    if sort_order and sort_order not in ("asc", "desc"):
        problems.add("sortOrder", "asc or desc.", "asc or desc")
        sort_order = ""
    if sort_by == "priceDesc":
        return "price", "desc"
    return sort_by, sort_order


def parse_filters(params: Mapping[str, Any], *, strict: bool) -> ListingFilters:
    """Read filters from query parameters. strict (the API) rejects bad values with 400;
    pages ignore them, so a hand-edited URL still shows something sensible, and say which
    they ignored (``notices``)."""
    problems = _Problems(params)
    errors = problems.errors
    q = str(params.get("q", "") or "").strip()[:200]
    min_price_sat = _int_param(params, "minPrice", problems)
    max_price_sat = _int_param(params, "maxPrice", problems)
    if min_price_sat is not None and max_price_sat is not None and min_price_sat > max_price_sat:
        problems.add("maxPrice", "Must not be below minPrice.",
                     f"it is below the minimum price ({min_price_sat:,} sats)")
    kind = str(params.get("kind", "") or "")
    if kind and kind not in Listing.Kind.values:
        problems.add("kind", "physical or digital.", "physical or digital goods only")
    min_rating = _min_rating(params, problems)
    sort_by, sort_order = _sort(params, problems)
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
        store=str(params.get("store", "") or "")[:60], min_rating=min_rating,
        sort_by=sort_by, sort_order=sort_order,
        page=clamp_page(page_raw), limit=clamp_limit(limit_raw),
        notices=tuple(problems.notices),
    )


def with_card_data(qs: QuerySet[Listing]) -> QuerySet[Listing]:
    """What a listing card shows, in a fixed number of queries whatever the page size."""
    return qs.select_related("store", "category").prefetch_related(
        Prefetch("images", queryset=ListingImage.objects.order_by("position", "id")))


def browse(filters: ListingFilters) -> QuerySet[Listing]:
    """Visible listings matching the filters, in their order, with card data."""
    return with_card_data(browse_query(filters))


def browse_query(filters: ListingFilters, *, counting: bool = False) -> QuerySet[Listing]:
    """Visible listings matching the filters, in their order: each ordering's first page
    comes off one of the ``listing_visible_*`` indexes (ADR 15). ``counting``: only which
    listings match, unordered and unranked (for the capped count)."""
    qs = visible_listings()
    if filters.category:
        # The category and its children by id, from the cached tree: no join, so the
        # newest-first index still delivers the page in order.
        ids = category_ids(filters.category)
        qs = qs.filter(category_id__in=ids) if ids else qs.none()
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
    if filters.min_rating is not None:
        qs = qs.filter(rating_count__gt=0, rating_avg__gte=filters.min_rating)
    if filters.q:
        qs = filter_search(qs, filters.q,
                           rank=not counting and filters.effective_sort == "relevance")
    if counting:
        return qs.order_by()
    sort, descending = filters.effective_sort, filters.sort_order != "asc"
    if sort == "relevance":
        # On SQLite search_rank comes from extra(select=…), which the ORM's F() can't see.
        rank_order = "-search_rank"
        qs = qs.order_by(rank_order, "-created_at") if connection.vendor == "sqlite" \
            else qs.order_by(F("search_rank").desc(nulls_last=True), "-created_at")
    elif sort == "price":
        # Cheapest first unless asked otherwise, in sats at the current rate whatever the
        # listing is priced in; unpriced (fiat while there is no rate) last either way.
        price = F("sort_price_sat")
        ascending = filters.sort_order != "desc"
        qs = qs.order_by(price.asc(nulls_last=True) if ascending
                         else price.desc(nulls_last=True), "-created_at")
    elif sort == "bestselling":
        qs = qs.order_by("-sold_count" if descending else "sold_count", "-created_at")
    elif sort == "rating":
        # Best first (sortOrder=asc: worst first); ties by how many reviewed, then newest;
        # listings without reviews last either way (their average of 0 means "none").
        reviewed = ExpressionWrapper(Q(rating_count__gt=0), output_field=BooleanField())
        qs = qs.order_by(reviewed.desc(), "-rating_avg" if descending else "rating_avg",
                         "-rating_count", "-created_at")
    else:
        qs = qs.order_by("-created_at" if descending else "created_at", "-id")
    return qs
