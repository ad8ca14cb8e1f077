"""Wiring reviews into the lower apps: page sections (listing, store, order pages) and
account deletion."""

from __future__ import annotations

from cryptoshop.accounts.deletion import DELETION_PLANS
from cryptoshop.catalog.registry import LISTING_SECTIONS, STORE_SECTIONS
from cryptoshop.orders.registry import ORDER_SECTIONS
from cryptoshop.reviews import actions, sections


def install() -> None:
    DELETION_PLANS.add(actions.deletion_plan)
    LISTING_SECTIONS.add(sections.listing_section)
    STORE_SECTIONS.add(sections.store_section)
    ORDER_SECTIONS.add(sections.order_section)
