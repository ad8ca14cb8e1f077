"""The listing's denormalised ``visible`` flag (ADR 15): what the public may see, kept in
one column so browse pages read their first page straight off an index.

A listing is visible when it is active, not blocked by staff, in an active store and in a
category that is not prohibited. Every write that changes one of those inputs calls into
here: the listing actions (save, publish, hide, delete) set it on the row they save;
staff blocks, store suspensions and category changes refresh the listings they touch with
one UPDATE (``refresh_visibility``). Each change also bumps the catalogue's cache
generation (catalog/cache.py), so cached counts and pages follow at once.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import Category, Listing
from cryptoshop.stores.models import Store


def visible_condition() -> Q:
    """The rule itself, as a filter over listings (no join: subqueries on the store and
    category, so an UPDATE can use it)."""
    return Q(status=Listing.Status.ACTIVE, blocked=False,
             store_id__in=Store.objects.filter(status=Store.Status.ACTIVE).values("id"),
             category_id__in=Category.objects.filter(prohibited=False).values("id"))


def is_visible_now(listing: Listing) -> bool:
    """The rule for one listing in memory (its store and category loaded or loadable)."""
    return (listing.status == Listing.Status.ACTIVE and not listing.blocked
            and listing.store.status == Store.Status.ACTIVE
            and not listing.category.prohibited)


def refresh_visibility(listings: QuerySet[Listing]) -> int:
    """Recompute the flag for these listings in one UPDATE; returns the rows written."""
    changed = listings.update(visible=Case(When(visible_condition(), then=Value(True)),
                                           default=Value(False), output_field=BooleanField()))
    bump_generation()
    return changed


def refresh_store(store_id: int) -> int:
    return refresh_visibility(Listing.objects.filter(store_id=store_id))


def refresh_category(category_id: int) -> int:
    return refresh_visibility(Listing.objects.filter(category_id=category_id))


PRICE_DESC_INDEX = "listing_visible_price_desc"


def ensure_price_desc_index(connection: BaseDatabaseWrapper) -> None:
    """(Re)create the dearest-first index after every migrate: it is made outside Django's
    model state (migration 0003: PostgreSQL needs NULLS LAST in it, SQLite can't parse
    that), so a SQLite table rebuild by a later migration would drop it unnoticed."""
    nulls = " NULLS LAST" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {PRICE_DESC_INDEX} ON catalog_listing "
                       f"(visible, sort_price_sat DESC{nulls}, created_at DESC)")
