"""/api/products/{id}/reviews, /api/sellers/{id}/reviews, POST /api/orders/{id}/reviews.

A review in the API is what the page shows: the rating, the text, "verified buyer" and the
month ("2026-03"), the seller's answer. Never an account, an order or an exact time."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import Field, create_model

from cryptoshop.accounts.sessions import api_auth, api_user
from cryptoshop.accounts.who import api_caller
from cryptoshop.catalog.actions import listing_for_viewer
from cryptoshop.core.api import (
    OPTIONAL_AUTH,
    CamelSchema,
    In,
    Limit,
    Page,
    PaginationOut,
    envelope,
    ok,
    paged,
)
from cryptoshop.core.errors import NotFound
from cryptoshop.core.pagination import paginate
from cryptoshop.reviews import actions
from cryptoshop.reviews.models import MAX_TEXT, Review
from cryptoshop.reviews.sections import PAGE_SIZE, listing_reviews, store_reviews
from cryptoshop.reviews.summary import Summary, summary_from, summary_of
from cryptoshop.stores.models import Store

products_router = Router(tags=["reviews"])
sellers_router = Router(tags=["reviews"])
orders_router = Router(tags=["reviews"])


class ProductRef(CamelSchema):
    id: str
    title: str


class AnswerOut(CamelSchema):
    text: str
    month: str = Field(description="YYYY-MM")


class ReviewOut(CamelSchema):
    id: str = Field(description="the review's own id (r_…), to report it")
    rating: int
    text: str
    reviewer: str = Field(description="always “verified buyer”")
    month: str = Field(description="YYYY-MM: when it was written; no finer")
    edited: bool
    answer: AnswerOut | None
    product: ProductRef


class SummaryOut(CamelSchema):
    average: str = Field(description="two decimals, \"0.00\" with no reviews")
    count: int
    distribution: dict[str, int] = Field(description="stars \"1\"…\"5\" → how many")


ReviewListOut = create_model("ReviewListOut", __base__=CamelSchema, success=(bool, True),
                             data=(list[ReviewOut], ...), pagination=(PaginationOut, ...),
                             summary=(SummaryOut, ...))


def review_out(review: Review) -> dict[str, Any]:
    answer = ({"text": review.answer, "month": review.answered_at.strftime("%Y-%m")}
              if review.answered_at else None)
    return {"id": review.public_id, "rating": review.rating, "text": review.text,
            "reviewer": "verified buyer", "month": review.created_at.strftime("%Y-%m"),
            "edited": review.edited_at is not None, "answer": answer,
            "product": {"id": review.listing.public_id, "title": review.listing.title}}


def _page(qs: Any, summary: Summary, page: int, limit: int) -> dict[str, Any]:
    items, pagination = paginate(qs, page, limit)
    return {**paged([review_out(r) for r in items], pagination), "summary": summary.as_api()}


@products_router.get("/{product_id}/reviews", response=ReviewListOut, by_alias=True,
                     openapi_extra=OPTIONAL_AUTH)
def product_reviews(request: HttpRequest, product_id: str, page: Page = 1,
                    limit: Limit = PAGE_SIZE) -> dict[str, Any]:
    """A listing's visible reviews, newest first, with its average, count and distribution."""
    listing = listing_for_viewer(product_id, api_user(request))
    qs = listing_reviews(listing).select_related("listing")
    return _page(qs, summary_of(listing_reviews(listing)), page, limit)


@sellers_router.get("/{seller_id}/reviews", response=ReviewListOut, by_alias=True,
                    openapi_extra=OPTIONAL_AUTH)
def seller_reviews(request: HttpRequest, seller_id: str, page: Page = 1,
                   limit: Limit = PAGE_SIZE) -> dict[str, Any]:
    """A store's visible reviews (id s_… or slug), newest first, with its aggregates."""
    store = Store.objects.filter(Q(public_id=seller_id) | Q(slug=seller_id)).first()
    caller = api_user(request)
    if store is None or (not store.is_active and not (
            caller and (caller.acts_as_staff or store.owner_id == caller.pk))):
        raise NotFound("No such seller.")
    summary = summary_from(store.rating_avg, store.rating_count, store.rating_distribution)
    return _page(store_reviews(store), summary, page, limit)


class ReviewIn(In):
    product_id: str = Field(max_length=40, description="the listing (l_…) of an item of "
                            "this order")
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=MAX_TEXT)


@orders_router.post("/{order_id}/reviews", auth=api_auth, response={201: envelope(ReviewOut)},
                    by_alias=True)
def create_review(request: HttpRequest, order_id: str,
                  payload: ReviewIn) -> Status[dict[str, Any]]:
    """Review one item of your completed order (one call per item). 404 if the order isn't
    yours or has no such item; 409 `order_not_completed`, 409 `already_reviewed`."""
    user = api_caller(request)
    order = actions.order_of_buyer(user, order_id)
    review = actions.do_create_review(user, order, payload.product_id, payload.rating,
                                      payload.text)
    return Status(201, ok(review_out(review)))
