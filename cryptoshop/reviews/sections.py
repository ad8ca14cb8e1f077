"""The review parts of pages that lower apps render (catalog's listing and store pages,
the order page), plugged in through their registries by wiring.py."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string

from cryptoshop.catalog.models import Listing
from cryptoshop.core.pagination import clamp_page, paginate
from cryptoshop.orders.models import Order
from cryptoshop.reviews.actions import can_edit
from cryptoshop.reviews.forms import ReviewForm
from cryptoshop.reviews.models import Review
from cryptoshop.reviews.summary import summary_from, summary_of
from cryptoshop.stores.models import Store

PAGE_SIZE = 10
STORE_PAGE_PREVIEW = 5


def visible_reviews() -> QuerySet[Review]:
    return Review.objects.filter(hidden=False).order_by("-created_at", "-id")


def listing_reviews(listing: Listing) -> QuerySet[Review]:
    return visible_reviews().filter(listing=listing)


def store_reviews(store: Store) -> QuerySet[Review]:
    """The store's reviews with their listing (one query for any page size)."""
    return visible_reviews().filter(store=store).select_related("listing")


def listing_section(request: HttpRequest, listing: Listing) -> str:
    """Summary and the reviews, newest first, paged by ?page= (the listing page has no other
    list): three queries whatever the number of reviews."""
    reviews, pagination = paginate(listing_reviews(listing), clamp_page(request.GET.get("page")),
                                   PAGE_SIZE)
    return render_to_string("reviews/_listing_section.html", {
        "summary": summary_of(listing_reviews(listing)), "reviews": reviews,
        "pagination": pagination, "listing": listing,
    }, request=request)


def store_section(request: HttpRequest, store: Store) -> str:
    summary = summary_from(store.rating_avg, store.rating_count, store.rating_distribution)
    return render_to_string("reviews/_store_section.html", {
        "summary": summary, "store": store,
        "reviews": list(store_reviews(store)[:STORE_PAGE_PREVIEW]),
    }, request=request)


def order_items_to_review(order: Order) -> list[dict[str, Any]]:
    """Each item of a completed order with the buyer's review of it (or a form for one)."""
    items = list(order.items.select_related("listing"))
    reviews = {r.order_item_id: r for r in Review.objects.filter(order_item__order=order)}
    rows = []
    for item in items:
        review = reviews.get(item.pk)
        listing_id = item.listing.public_id if item.listing else ""
        rows.append({
            "item": item, "review": review, "listing_id": listing_id,
            "editable": review is not None and can_edit(review),
            "form": None if review is not None or not listing_id
            else ReviewForm(auto_id=f"id_{listing_id}_%s"),
        })
    return rows


def order_section(request: HttpRequest, order: Order, role: str) -> str:
    if role != "buyer" or order.status != Order.Status.COMPLETED:
        return ""
    return render_to_string("reviews/_order_section.html", {
        "order": order, "rows": order_items_to_review(order),
    }, request=request)
