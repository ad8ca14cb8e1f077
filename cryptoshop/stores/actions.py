"""Store actions: open, edit, logo, shipping options. Shared by pages and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from cryptoshop.accounts.models import User
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed
from cryptoshop.core.images import ImageRejected, delete_image, store_image
from cryptoshop.stores.models import ShippingOption, Store

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
RESERVED_SLUGS = {"admin", "api", "sell", "new", "static", "media", "accounts", "cart",
                  "checkout", "orders", "search", "c", "s", "l", "cryptoshop", "support"}
MAX_SHIPPING_OPTIONS = 10
MAX_SHIPPING_SAT = 100_000_000  # 1 BTC: a typo guard, not a policy


@dataclass(frozen=True)
class StoreInput:
    name: str
    slug: str = ""
    description: str = ""
    policies: str = ""


def store_of(user: User) -> Store | None:
    if not user.is_authenticated:
        return None
    return Store.objects.filter(owner=user).first()


class NoStore(ActionError):
    status = 403
    code = "no_store"


def own_store(user: User) -> Store:
    store = store_of(user)
    if store is None:
        raise NoStore("You don't have a store yet: open one first.")
    return store


def check_store_input(data: StoreInput, *, current: Store | None = None) -> StoreInput:
    errors: dict[str, list[str]] = {}
    name = " ".join(data.name.split())
    if not 2 <= len(name) <= 80:
        errors["name"] = ["2–80 characters."]
    slug = (data.slug or slugify(name)).strip().lower()
    if not SLUG_RE.match(slug):
        errors["slug"] = ["3–60 characters: lower-case letters, digits and '-'."]
    elif slug in RESERVED_SLUGS:
        errors["slug"] = ["That address is reserved."]
    elif Store.objects.filter(slug=slug).exclude(pk=current.pk if current else 0).exists():
        errors["slug"] = ["That address is taken."]
    if len(data.description) > 5000:
        errors["description"] = ["At most 5000 characters."]
    if len(data.policies) > 5000:
        errors["policies"] = ["At most 5000 characters."]
    if errors:
        raise ValidationFailed(errors)
    return StoreInput(name=name, slug=slug, description=data.description.strip(),
                      policies=data.policies.strip())


def do_open_store(user: User, data: StoreInput) -> Store:
    if store_of(user) is not None:
        raise Conflict("You already have a store.")
    clean = check_store_input(data)
    try:
        with transaction.atomic():
            return Store.objects.create(owner=user, name=clean.name, slug=clean.slug,
                                        description=clean.description, policies=clean.policies)
    except IntegrityError as exc:  # raced with another store taking the slug (or 2nd store)
        raise Conflict("That store address was just taken, or you already have a store.") from exc


def do_update_store(store: Store, data: StoreInput) -> Store:
    clean = check_store_input(data, current=store)
    store.name, store.slug = clean.name, clean.slug
    store.description, store.policies = clean.description, clean.policies
    try:
        store.save(update_fields=["name", "slug", "description", "policies", "updated_at"])
    except IntegrityError as exc:
        raise ValidationFailed({"slug": ["That address is taken."]}) from exc
    return store


def do_set_logo(store: Store, data: bytes) -> Store:
    try:
        stored = store_image(data, "logos")
    except ImageRejected as exc:
        raise ValidationFailed({"logo": [str(exc)]}) from exc
    old = store.logo
    store.logo = stored.thumb_path
    store.save(update_fields=["logo", "updated_at"])
    delete_image(stored.path)  # only the thumbnail-sized version is used for logos
    if old:
        delete_image(old)
    return store


@dataclass(frozen=True)
class ShippingInput:
    name: str
    regions: str
    cost_sat: int
    active: bool = True


def check_shipping_input(data: ShippingInput) -> ShippingInput:
    errors: dict[str, list[str]] = {}
    name, regions = " ".join(data.name.split()), " ".join(data.regions.split())
    if not 2 <= len(name) <= 60:
        errors["name"] = ["2–60 characters."]
    if not 2 <= len(regions) <= 200:
        errors["regions"] = ["Say where it ships to (2–200 characters)."]
    if not isinstance(data.cost_sat, int) or isinstance(data.cost_sat, bool) \
            or not 0 <= data.cost_sat <= MAX_SHIPPING_SAT:
        errors["costSat"] = ["A whole number of sats from 0 to 100,000,000."]
    if errors:
        raise ValidationFailed(errors)
    return ShippingInput(name=name, regions=regions, cost_sat=data.cost_sat, active=data.active)


def do_add_shipping_option(store: Store, data: ShippingInput) -> ShippingOption:
    clean = check_shipping_input(data)
    if store.shipping_options.count() >= MAX_SHIPPING_OPTIONS:
        raise ActionError(f"A store can have at most {MAX_SHIPPING_OPTIONS} shipping options.")
    position = store.shipping_options.count()
    return ShippingOption.objects.create(store=store, name=clean.name, regions=clean.regions,
                                         cost_sat=clean.cost_sat, active=clean.active,
                                         position=position)


def do_update_shipping_option(option: ShippingOption, data: ShippingInput) -> ShippingOption:
    clean = check_shipping_input(data)
    option.name, option.regions = clean.name, clean.regions
    option.cost_sat, option.active = clean.cost_sat, clean.active
    option.save()
    return option


def do_delete_shipping_option(option: ShippingOption) -> None:
    """Remove a shipping option. Orders keep what they were charged: they copy the option's
    name and cost when placed."""
    option.delete()


def shipping_option_of(store: Store, option_id: int) -> ShippingOption:
    option = store.shipping_options.filter(pk=option_id).first()
    if option is None:
        raise NotFound("No such shipping option.")
    return option
