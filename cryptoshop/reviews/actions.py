"""Review rules: who may review what, the edit window, the seller's one answer, moderation's
hide flag, and the aggregates (listing and store average, count, distribution) recomputed
from the rows in the same transaction as every change, so they can't drift.

check_* validate (raising ActionError), do_* change state and tell the other party.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cryptoshop.accounts.deletion import DeletionPlan
from cryptoshop.accounts.models import User
from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Listing
from cryptoshop.core import ratelimit
from cryptoshop.core.errors import Conflict, NotFound, ValidationFailed
from cryptoshop.notifications.actions import do_notify
from cryptoshop.orders.models import Order, OrderItem
from cryptoshop.reviews.models import MAX_ANSWER, MAX_TEXT, Review
from cryptoshop.reviews.summary import summary_of
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)
RATE_SCOPE = "review:account"


# --- validation -----------------------------------------------------------------------------

def clean_rating(rating: object) -> int:
    try:
        value = int(str(rating))
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationFailed({"rating": ["Choose from 1 to 5 stars."]})
    return value


def clean_text(text: str | None, *, field: str = "text", limit: int = MAX_TEXT,
               required: bool = False) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise ValidationFailed({field: [f"At most {limit} characters."]})
    if required and not value:
        raise ValidationFailed({field: ["Write something."]})
    return value


def edit_deadline(review: Review) -> datetime:
    return review.created_at + timedelta(days=settings.REVIEW_EDIT_DAYS)


def can_edit(review: Review) -> bool:
    return not review.hidden and timezone.now() < edit_deadline(review)


# --- who may see or change what -------------------------------------------------------------

def order_of_buyer(user: User, order_public_id: str) -> Order:
    order = Order.objects.filter(public_id=order_public_id, buyer=user).first()
    if order is None:
        raise NotFound("No such order.")
    return order


def review_of_author(user: User, public_id: str) -> Review:
    """The caller's own review; anybody else's is 404 (the author is the order's buyer)."""
    review = (Review.objects.select_related("listing")
              .filter(public_id=public_id, order_item__order__buyer=user).first())
    if review is None:
        raise NotFound("No such review.")
    return review


def review_of_seller(user: User, public_id: str) -> Review:
    review = (Review.objects.select_related("listing")
              .filter(public_id=public_id, store__owner=user).first())
    if review is None:
        raise NotFound("No such review.")
    return review


def check_review(user: User, order: Order, listing_public_id: str) -> OrderItem:
    """The item of `order` for that listing, if its buyer may review it now."""
    if order.buyer_id != user.pk:
        raise NotFound("No such order.")
    item = (OrderItem.objects.select_related("listing")
            .filter(order=order, listing__public_id=listing_public_id).first())
    if item is None or item.listing is None:
        raise NotFound("No such item in this order.", field="productId")
    if order.status != Order.Status.COMPLETED:
        raise Conflict("Only items of a completed order can be reviewed.",
                       code="order_not_completed")
    if Review.objects.filter(order_item=item).exists():
        raise Conflict("You have already reviewed this item; edit your review instead.",
                       code="already_reviewed")
    return item


# --- aggregates ------------------------------------------------------------------------------

def recompute(listing_id: int, store_id: int) -> None:
    """Listing and store aggregates from the visible rows, under row locks (listing first,
    then store, everywhere), inside the caller's transaction."""
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    store = Store.objects.select_for_update().get(pk=store_id)
    mine = summary_of(Review.objects.filter(listing_id=listing.pk, hidden=False))
    Listing.objects.filter(pk=listing.pk).update(rating_avg=mine.average,
                                                 rating_count=mine.count)
    theirs = summary_of(Review.objects.filter(store_id=store.pk, hidden=False))
    Store.objects.filter(pk=store.pk).update(rating_avg=theirs.average,
                                             rating_count=theirs.count,
                                             rating_distribution=theirs.distribution)
    # Cards show the rating and the rating sort/filter use it: retire cached pages.
    bump_generation()


# --- buyer ----------------------------------------------------------------------------------

def do_create_review(user: User, order: Order, listing_public_id: str, rating: object,
                     text: str | None) -> Review:
    """The buyer reviews one item of their completed order; the seller is told."""
    item = check_review(user, order, listing_public_id)
    value, words = clean_rating(rating), clean_text(text)
    ratelimit.hit(RATE_SCOPE, str(user.pk))
    listing = item.listing
    assert listing is not None
    with transaction.atomic():
        Listing.objects.select_for_update().filter(pk=listing.pk).first()
        if Review.objects.filter(order_item=item).exists():  # a racing second submit
            raise Conflict("You have already reviewed this item.", code="already_reviewed")
        review = Review.objects.create(order_item=item, listing=listing,
                                       store_id=listing.store_id, rating=value, text=words)
        recompute(listing.pk, listing.store_id)
        owner = User.objects.get(store__pk=listing.store_id)
        do_notify(owner, "review_received", f"New review: {value}★ for “{listing.title}”",
                  words[:200] or "A verified buyer rated this item.", url="/sell/reviews/")
    logger.info("review created listing=%s", listing.public_id)
    return review


def check_edit(review: Review) -> None:
    if review.hidden:
        raise Conflict("Moderators hid this review; it can't be changed.", code="review_hidden")
    if timezone.now() >= edit_deadline(review):
        raise Conflict(f"Reviews can be changed for {settings.REVIEW_EDIT_DAYS} days after "
                       "they are written; you can still delete it.", code="edit_window_closed")


def do_edit_review(user: User, review: Review, rating: object, text: str | None) -> Review:
    check_edit(review)
    value, words = clean_rating(rating), clean_text(text)
    ratelimit.hit(RATE_SCOPE, str(user.pk))
    with transaction.atomic():
        Listing.objects.select_for_update().filter(pk=review.listing_id).first()
        Review.objects.filter(pk=review.pk).update(rating=value, text=words,
                                                   edited_at=timezone.now())
        recompute(review.listing_id, review.store_id)
    review.refresh_from_db()
    return review


def do_delete_review(user: User, review: Review) -> None:
    """The author may withdraw their review at any time (the item may then be reviewed
    again: "once" means one review per item at a time)."""
    ratelimit.hit(RATE_SCOPE, str(user.pk))
    with transaction.atomic():
        Listing.objects.select_for_update().filter(pk=review.listing_id).first()
        Review.objects.filter(pk=review.pk).delete()
        recompute(review.listing_id, review.store_id)


# --- seller -----------------------------------------------------------------------------------

def check_answer(review: Review, text: str | None) -> str:
    words = clean_text(text, field="answer", limit=MAX_ANSWER, required=True)
    if review.hidden:
        raise Conflict("Moderators hid this review.", code="review_hidden")
    if review.answered_at is not None:
        raise Conflict("You have already answered this review; answers are final.",
                       code="already_answered")
    return words


def do_answer_review(seller: User, review: Review, text: str | None) -> Review:
    """The store's one public answer; final once given. The buyer is told."""
    words = check_answer(review, text)
    ratelimit.hit(RATE_SCOPE, str(seller.pk))
    with transaction.atomic():
        won = Review.objects.filter(pk=review.pk, answered_at__isnull=True).update(
            answer=words, answered_at=timezone.now())
        if not won:
            raise Conflict("You have already answered this review.", code="already_answered")
        review.refresh_from_db()
        buyer = User.objects.filter(orders__items__review=review).first()
        if buyer is not None:
            do_notify(buyer, "review_answered",
                      f"{review.store.name} answered your review of “{review.listing.title}”",
                      words[:200], url=f"/l/{review.listing.public_id}/#reviews")
    return review


# --- moderation (called by moderation, which audits) ----------------------------------------

def do_set_hidden(review: Review, hidden: bool) -> bool:
    """Hide or show a review and recompute the aggregates; False if it already was."""
    with transaction.atomic():
        Listing.objects.select_for_update().filter(pk=review.listing_id).first()
        changed = Review.objects.filter(pk=review.pk, hidden=not hidden).update(hidden=hidden)
        if changed:
            recompute(review.listing_id, review.store_id)
    review.hidden = hidden
    return bool(changed)


# --- account deletion -----------------------------------------------------------------------

def deletion_plan(user: User) -> DeletionPlan:
    plan = DeletionPlan()
    written = Review.objects.filter(order_item__order__buyer=user).count()
    if written:
        plan.kept.append(
            f"{written} review{'s' if written != 1 else ''} you wrote "
            f"{'stay' if written != 1 else 'stays'} on the listings as "
            "“verified buyer”, no longer linked to any order's buyer and no longer editable "
            "(delete them first if you want them gone)")
    return plan
