"""Demo data for a first look (`manage.py seed_demo`, run by `make run` on its first run).

A category tree, five stores (each owned by an account made with do_register, with shipping
options) and sixty listings created through catalog.actions, like a seller would: Markdown
descriptions, tags, specifications, sat and fiat prices, physical and digital goods, some
limited or sold-out stock, a few featured. Product pictures are drawn locally with Pillow
(a backdrop and the object each listing sells, no text over it) from a fixed seed: no
downloads, the same every run.

Idempotent: categories are matched by slug, stores by slug, listings by store and title;
running it again creates nothing that already exists.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from cryptoshop.accounts.actions import do_register
from cryptoshop.analytics import rollup
from cryptoshop.catalog.actions import ListingInput, do_add_image, do_create_listing
from cryptoshop.catalog.models import Category, Listing
from cryptoshop.core.errors import ActionError, ValidationFailed
from cryptoshop.demo.catalog_data import CATEGORIES, ITEMS, STORES, ItemSpec, StoreSpec
from cryptoshop.demo.pictures import MOTIF_OF_CATEGORY, render_image
from cryptoshop.demo.seed_conversations import seed_conversations
from cryptoshop.demo.seed_history import seed_history
from cryptoshop.demo.seed_notifications import seed_notifications
from cryptoshop.demo.seed_reviews import seed_reviews
from cryptoshop.demo.seed_support import seed_support
from cryptoshop.stores.actions import (
    ShippingInput,
    StoreInput,
    do_add_shipping_option,
    do_open_store,
)
from cryptoshop.stores.models import Store

logger = logging.getLogger(__name__)

CLIENT_IP = "seed_demo"  # rate-limit identity for the demo accounts' registration


def _description(item: ItemSpec, store: StoreSpec) -> str:
    lines = [item.blurb, "", "### Highlights", ""]
    lines += [f"- {f}" for f in item.features]
    lines.append("")
    if item.digital:
        lines.append("**Delivery:** digital, shown on your order page as soon as the payment "
                     "is confirmed.")
    else:
        # "Cold Storage Co." ends in a full stop already: don't add a second one.
        lines.append(f"**Ships from** {store.name.rstrip('.')}. See the store's shipping "
                     "options at checkout.")
    if item.stock is not None and 0 < item.stock <= 5:
        lines += ["", f"_Only {item.stock} left._"]
    return "\n".join(lines)



@dataclass
class SeedResult:
    categories: int = 0
    stores: int = 0
    listings: int = 0
    images: int = 0
    history_orders: int = 0
    history_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)


def _price_fields(price: int | str) -> dict[str, object]:
    if isinstance(price, int):
        return {"price_mode": "sat", "price_sat": price}
    amount, currency = price.split()
    return {"price_mode": "fiat", "price_fiat": Decimal(amount), "fiat_currency": currency}


def seed_categories(result: SeedResult) -> None:
    for pos, (slug, name, desc, prohibited, children) in enumerate(CATEGORIES):
        parent, created = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": desc, "prohibited": prohibited,
                                 "position": pos * 10})
        result.categories += int(created)
        for cpos, (cslug, cname) in enumerate(children):
            _, created = Category.objects.get_or_create(
                slug=cslug, defaults={"name": cname, "parent": parent, "position": cpos * 10})
            result.categories += int(created)


def seed_stores(result: SeedResult) -> dict[str, StoreSpec]:
    for spec in STORES:
        if Store.objects.filter(slug=spec.slug).exists():
            continue
        with transaction.atomic():
            try:
                reg = do_register(display_name=spec.owner, client_ip=CLIENT_IP)
            except ValidationFailed:  # the name is taken by somebody else: stay anonymous
                reg = do_register(display_name=None, client_ip=CLIENT_IP)
            store = do_open_store(reg.user, StoreInput(
                name=spec.name, slug=spec.slug, description=spec.description,
                policies=spec.policies))
            for name, regions, cost_sat in spec.shipping:
                do_add_shipping_option(store, ShippingInput(name=name, regions=regions,
                                                            cost_sat=cost_sat))
        result.stores += 1
    return {s.slug: s for s in STORES}


def seed_listings(result: SeedResult, stores: dict[str, StoreSpec]) -> None:
    by_slug = {s.slug: s for s in Store.objects.filter(slug__in=list(stores))}
    existing = set(Listing.objects.filter(store__in=list(by_slug.values()))
                   .values_list("store_id", "title"))
    for index, item in enumerate(ITEMS):
        store = by_slug[item.store]
        if (store.pk, item.title) in existing:
            continue
        data = ListingInput(
            title=item.title, category=item.category,
            description=_description(item, stores[item.store]), tags=item.tags,
            stock=item.stock, kind="digital" if item.digital else "physical",
            digital_text=item.digital, status="active", specifications=item.specs,
            **_price_fields(item.price),  # type: ignore[arg-type]
        )
        motif = item.motif or MOTIF_OF_CATEGORY.get(item.category, "box")
        try:
            with transaction.atomic():
                listing = do_create_listing(store, data)
                for variant in range(item.images):
                    do_add_image(listing, render_image(motif, str(index), variant))
                    result.images += 1
                if item.featured:
                    Listing.objects.filter(pk=listing.pk).update(featured=True)
        except ActionError as exc:  # e.g. the operator suspended a demo store
            result.skipped.append(f"{item.title}: {exc.message}")
            continue
        result.listings += 1


def seed() -> SeedResult:
    """Create whatever part of the demo shop is missing."""
    result = SeedResult()
    seed_categories(result)
    stores = seed_stores(result)
    seed_listings(result, stores)
    seed_reviews()
    seed_notifications()
    # Before the conversations and tickets: the history's expiry step runs the
    # reservation clock, which must find no other order waiting.
    started = time.perf_counter()
    history = seed_history()
    result.history_orders, result.history_seconds = history.orders, time.perf_counter() - started
    result.skipped += history.skipped
    seed_conversations()
    seed_support()
    # The history's timestamps are in the past, where the periodic refresh never looks:
    # rebuild the analytics rollups so the sales pages show their curves at once.
    rollup.rebuild()
    logger.info("demo data: %s categories, %s stores, %s listings, %s images created",
                result.categories, result.stores, result.listings, result.images)
    return result
