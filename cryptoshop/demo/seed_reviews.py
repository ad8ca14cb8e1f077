"""Demo reviews: a few demo buyers whose orders went all the way (paid, shipped, received)
and who reviewed what they bought, so listing pages, store pages and the "Rating" sort show
real data. Everything goes through the order and review actions; the payment is recorded
the way the payments layer records a settled invoice (orders.actions.do_mark_paid).

Idempotent: does nothing once any review exists."""

from __future__ import annotations

import logging

from django.db import transaction

from cryptoshop.accounts.actions import do_register
from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ActionError
from cryptoshop.orders.actions import (
    CheckoutInput,
    do_checkout_items,
    do_confirm_received,
    do_mark_paid,
    do_mark_shipped,
)
from cryptoshop.orders.models import Order
from cryptoshop.reviews.actions import do_answer_review, do_create_review
from cryptoshop.reviews.models import Review

logger = logging.getLogger(__name__)

CLIENT_IP = "seed_demo_reviews"
BUYERS = 4
# (rating, text) in the order they are handed out; the listing gets them round-robin.
REVIEWS = [
    (5, "Exactly as described, arrived quickly and well packed."),
    (4, "Good quality for the price. Took a few days longer than I hoped."),
    (5, "Second time I buy here. Still great."),
    (3, "Does the job, nothing special."),
    (5, "Paid in the evening, it shipped the next morning. Recommended."),
    (4, "Nice! The colour is a little darker than in the photo."),
    (2, "Smaller than I expected; check the size chart."),
    (5, ""),
]
ANSWER = "Thank you for your order and for taking the time to write this!"


def _complete_order(buyer: User, listing: Listing) -> Order:
    option = listing.store.shipping_options.filter(active=True).first()
    physical = listing.kind == Listing.Kind.PHYSICAL
    if physical and option is None:
        raise ActionError("no shipping option")
    data = CheckoutInput(shipping={listing.store_id: option.pk} if physical and option else {},
                         address="Demo Buyer\n1 Example Street\nSpringfield" if physical else "")
    [order] = do_checkout_items(buyer, [(listing.public_id, 1)], data, client_ip=CLIENT_IP)
    do_mark_paid(order, note="Demo payment")
    do_mark_shipped(order, listing.store.owner, "Sent (demo)")
    do_confirm_received(order, buyer)
    return order


def seed_reviews() -> int:
    """Create demo buyers, complete their orders and review them; returns reviews made."""
    if Review.objects.exists():
        return 0
    listings = list(Listing.objects.filter(status="active", blocked=False, price_mode="sat",
                                           stock__isnull=True)
                    .select_related("store", "store__owner").order_by("id")[:10])
    buyers = [do_register(display_name=None, client_ip=CLIENT_IP).user for _ in range(BUYERS)]
    made = 0
    for index, listing in enumerate(listings):
        # Listings further down the list get fewer reviews, so the rating sort has ties
        # broken by count and some listings stay unreviewed.
        for turn in range(max(0, BUYERS - index // 3)):
            rating, text = REVIEWS[(index + turn) % len(REVIEWS)]
            try:
                with transaction.atomic():
                    order = _complete_order(buyers[turn], listing)
                    review = do_create_review(buyers[turn], order, listing.public_id,
                                              rating, text)
                    if turn == 0:
                        do_answer_review(listing.store.owner, review, ANSWER)
            except ActionError as exc:
                logger.warning("demo review skipped for %s: %s", listing.title, exc.message)
                continue
            made += 1
    logger.info("demo data: %s reviews created", made)
    return made
