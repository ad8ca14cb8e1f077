"""Making marketplace test data through the real actions (so every state is reachable)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from cryptoshop.accounts.models import User
from cryptoshop.catalog.actions import ListingInput, do_add_image, do_create_listing
from cryptoshop.catalog.models import Category, Listing
from cryptoshop.stores.actions import (
    ShippingInput,
    StoreInput,
    do_add_shipping_option,
    do_open_store,
)
from cryptoshop.stores.models import Store
from tests.app.conftest import Account, make_account


def category(slug: str = "clothing", name: str = "Clothing", parent: Category | None = None,
             prohibited: bool = False) -> Category:
    cat, _ = Category.objects.get_or_create(slug=slug, defaults={
        "name": name, "parent": parent, "prohibited": prohibited})
    return cat


def seller(name: str = "Wool & Co", slug: str = "", shipping_sat: int = 5_000) -> tuple[Account, Store]:
    acct = make_account()
    store = do_open_store(acct.user, StoreInput(name=name, slug=slug))
    do_add_shipping_option(store, ShippingInput(name="Post", regions="EU", cost_sat=shipping_sat))
    return acct, store


def listing(store: Store, title: str = "Blue wool hat", **overrides: Any) -> Listing:
    if "category" not in overrides:
        overrides["category"] = category().slug
    fields: dict[str, Any] = {"title": title, "price_sat": 25_000, "status": "active",
                              "description": "A **fine** item.", "tags": ["wool", "winter"]}
    fields.update(overrides)
    return do_create_listing(store, ListingInput(**fields))


def png_bytes(width: int = 64, height: int = 48, color: str = "navy", exif: bytes | None = None,
              fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {"exif": exif} if exif else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def with_image(item: Listing) -> Listing:
    do_add_image(item, png_bytes())
    return item


def user_of(acct: Account) -> User:
    acct.user.refresh_from_db()
    return acct.user
