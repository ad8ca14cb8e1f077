"""Demo support tickets (part of `manage.py seed_demo`): two demo buyers write to the
operator — one about an order, answered by staff, one still waiting — and a third ticket
is already resolved, so /support/staff/ and a buyer's /support/ aren't empty.

The answer comes from the first staff account (the operator `first_run` makes before the
demo data); without one, a demo staff account is made whose token is thrown away, so
nobody can log in as it. Idempotent: nothing is made once any ticket exists."""

from __future__ import annotations

import logging

from django.db import transaction

from cryptoshop.accounts.actions import do_create_operator, do_register
from cryptoshop.accounts.models import User
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ActionError
from cryptoshop.orders.actions import CheckoutInput, do_checkout_items
from cryptoshop.support.access import STAFF, USER
from cryptoshop.support.actions import do_close, do_open, do_reply
from cryptoshop.support.models import Ticket

logger = logging.getLogger(__name__)

ORDER_OF = "Printable Seed and Passphrase Worksheets (PDF)"
CLIENT_IP = "seed_support"


def _staff() -> User:
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("id").first()
    return staff or do_create_operator(display_name=None).user


def seed_support() -> int:
    """Create the demo tickets; returns how many were made (0 when already there)."""
    if Ticket.objects.exists():
        return 0
    sheets = Listing.objects.filter(title=ORDER_OF).first()
    try:
        with transaction.atomic():
            staff = _staff()
            buyer = do_register(display_name=None, client_ip=CLIENT_IP).user
            order_id = None
            if sheets is not None:
                [order] = do_checkout_items(buyer, [(sheets.public_id, 1)],
                                            CheckoutInput(shipping={}, address="", note=""),
                                            client_ip=CLIENT_IP)
                order_id = order.public_id
            answered = do_open(buyer, "payment", "Paid, but the order still says pending",
                               "I sent the payment ten minutes ago from my wallet. The order "
                               "page still says pending payment. Did it arrive?", order_id)
            do_reply(answered, staff, STAFF,
                     "Your payment is in the mempool: the order turns to paid once it has "
                     "the confirmations the store asks for (the order page shows how many). "
                     "Nothing to do on your side.")
            other = do_register(display_name=None, client_ip=CLIENT_IP).user
            do_open(other, "account", "Can I change my access token?",
                    "I think someone saw my token over my shoulder. What should I do?")
            done = do_open(other, "other", "Do you ship to Iceland?",
                           "Is shipping to Iceland possible for the physical items?")
            do_reply(done, staff, STAFF, "Each store sets its own shipping countries: see "
                                         "the store's page under Shipping.")
            do_reply(done, other, USER, "Found it, thanks!")
            do_close(done, USER)
    except ActionError as exc:  # e.g. a rate limit on a re-run with the same demo identity
        logger.info("demo tickets skipped: %s", exc.message)
        return 0
    return 3
