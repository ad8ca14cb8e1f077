"""Demo conversations (part of `manage.py seed_demo`): a demo buyer asks Cold Storage Co.
about a listing and gets an answer, and writes about an order of theirs, so /messages/ of
the demo seller (whose token `first_run` prints) isn't empty. Idempotent: nothing is made
once the store has a conversation."""

from __future__ import annotations

import logging

from django.db import transaction

from cryptoshop.accounts.actions import do_register
from cryptoshop.catalog.models import Listing
from cryptoshop.conversations.actions import do_ask, do_post, thread_for_order
from cryptoshop.conversations.models import Message, Thread
from cryptoshop.core.errors import ActionError
from cryptoshop.orders.actions import CheckoutInput, do_checkout_items
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)

STORE = "cold-storage-co"
QUESTION_ON = "Titanium Seed Backup Plate, 24 Words"
ORDER_OF = "Printable Seed and Passphrase Worksheets (PDF)"
CLIENT_IP = "seed_conversations"


def seed_conversations() -> int:
    """Create the demo threads; returns how many were made (0 when already there)."""
    store = Store.objects.filter(slug=STORE).select_related("owner").first()
    if store is None or Thread.objects.filter(store=store).exists():
        return 0
    plate = Listing.objects.filter(store=store, title=QUESTION_ON).first()
    sheets = Listing.objects.filter(store=store, title=ORDER_OF).first()
    if plate is None or sheets is None:
        return 0
    try:
        with transaction.atomic():
            buyer = do_register(display_name=None, client_ip=CLIENT_IP).user
            question = do_ask(buyer, plate, "Does the plate come with a punch set, or do I "
                                            "need to buy one separately?")
            do_post(question, store.owner, Message.Role.SELLER,
                    "It doesn't: the letter punch set is its own listing. Any 3 mm punch set "
                    "works, too.")
            [order] = do_checkout_items(buyer, [(sheets.public_id, 1)],
                                        CheckoutInput(shipping={}, address="", note=""),
                                        client_ip=CLIENT_IP)
            thread = thread_for_order(order)
            do_post(thread, buyer, Message.Role.BUYER,
                    "Hi! Is there an A5 version of the worksheets as well?")
    except ActionError as exc:  # e.g. the operator suspended the demo store
        logger.info("demo conversations skipped: %s", exc.message)
        return 0
    return 2
