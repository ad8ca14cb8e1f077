"""Listing actions (create, edit, images, digital payload, delete) shared by the seller's
pages and the API. Every check a listing must pass lives in check_listing_input()."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Value
from django.utils.text import slugify

from cryptoshop.accounts.models import User
from cryptoshop.catalog.cache import bump_generation
from cryptoshop.catalog.models import FIAT_CURRENCIES, Category, Listing, ListingImage, Tag
from cryptoshop.catalog.pricing import estimate_of
from cryptoshop.catalog.registry import LISTING_IN_USE
from cryptoshop.catalog.visibility import is_visible_now
from cryptoshop.core import crypto
from cryptoshop.core.errors import ActionError, NotFound, ValidationFailed
from cryptoshop.core.images import ImageRejected, delete_image, store_image
from cryptoshop.core.markdown import markdown_to_text
from cryptoshop.core.rotation import EncryptedFile
from cryptoshop.stores.models import Store

MAX_IMAGES = 8
MAX_TAGS = 10
MAX_SPECS = 20
MAX_PRICE_SAT = 2_100_000_000_000_000  # 21 M BTC
MAX_PRICE_FIAT = Decimal("10000000")
MAX_STOCK = 1_000_000
MAX_DIGITAL_FILE_BYTES = 20 * 1024 * 1024
_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,28}[a-z0-9]$")
CURRENCIES = {code for code, _ in FIAT_CURRENCIES}


@dataclass(frozen=True)
class ListingInput:
    title: str
    category: str  # slug
    description: str = ""
    tags: list[str] = field(default_factory=list)
    price_mode: str = "sat"
    price_sat: int | None = None
    price_fiat: Decimal | str | None = None
    fiat_currency: str = ""
    stock: int | None = None
    kind: str = "physical"
    digital_text: str = ""
    status: str = "draft"
    specifications: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CleanListing:
    title: str
    category: Category
    description: str
    tags: list[str]
    price_mode: str
    price_sat: int | None
    price_fiat: Decimal | None
    fiat_currency: str
    stock: int | None
    kind: str
    digital_text: str
    status: str
    specifications: list[tuple[str, str]]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_tags(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    seen: list[str] = []
    for item in items:
        tag = slugify(str(item).strip())[:30]
        if tag and tag not in seen:
            seen.append(tag)
    return seen


Report = Callable[[str, str], None]


def _check_price(data: ListingInput, err: Report) -> tuple[int | None, Decimal | None, str]:
    """(price_sat, price_fiat, currency): one of the two prices, as the price mode says."""
    price_sat: int | None = None
    price_fiat: Decimal | None = None
    currency = ""
    if data.price_mode == Listing.PriceMode.SAT:
        if not _is_int(data.price_sat) or not 1 <= int(data.price_sat or 0) <= MAX_PRICE_SAT:
            err("priceSat", "A whole number of sats, at least 1.")
        else:
            price_sat = int(data.price_sat or 0)
    elif data.price_mode == Listing.PriceMode.FIAT:
        try:
            price_fiat = Decimal(str(data.price_fiat)).quantize(Decimal("0.01"))
            if not price_fiat.is_finite() or not Decimal("0.01") <= price_fiat <= MAX_PRICE_FIAT:
                raise InvalidOperation
            if Decimal(str(data.price_fiat)) != price_fiat:
                err("priceFiat", "At most two decimal places.")
        except (InvalidOperation, ValueError, TypeError):
            err("priceFiat", "A price between 0.01 and 10,000,000.")
            price_fiat = None
        currency = (data.fiat_currency or "").upper()
        if currency not in CURRENCIES:
            err("fiatCurrency", "Choose a currency: " + ", ".join(sorted(CURRENCIES)) + ".")
    else:
        err("priceMode", "Price in sats or in a fiat currency.")
    return price_sat, price_fiat, currency


def _check_specifications(rows: list[tuple[str, str]], err: Report) -> list[tuple[str, str]]:
    specs: list[tuple[str, str]] = []
    for key, value in rows:
        key, value = " ".join(str(key).split()), " ".join(str(value).split())
        if not key and not value:
            continue
        if not key or not value or len(key) > 60 or len(value) > 200:
            err("specifications", "Each row needs a name (≤ 60) and a value (≤ 200).")
            break
        specs.append((key, value))
    if len(specs) > MAX_SPECS:
        err("specifications", f"At most {MAX_SPECS} rows.")
    return specs


def _check_publishable(store: Store, data: ListingInput, current: Listing | None,
                       err: Report, with_file: bool) -> None:
    """Publishing has extra requirements: the listing must be deliverable."""
    if not store.is_active:
        err("status", "Your store is suspended; listings can't be published.")
    if data.kind == Listing.Kind.PHYSICAL and not store.shipping_options.filter(
            active=True).exists():
        err("status", "Add a shipping option to your store before publishing physical goods.")
    has_payload = (bool(data.digital_text.strip()) or with_file
                   or bool(current and current.digital_file))
    if data.kind == Listing.Kind.DIGITAL and not has_payload:
        err("digitalText", "Digital goods need the text or file the buyer receives.")


def check_listing_input(store: Store, data: ListingInput, *, current: Listing | None = None,
                        with_file: bool = False) -> CleanListing:
    """Every rule a listing must pass; with_file: a digital file comes with this save."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    title = " ".join(data.title.split())
    if not 3 <= len(title) <= 120:
        err("title", "3–120 characters.")
    if len(data.description) > 20000:
        err("description", "At most 20,000 characters.")
    category = Category.objects.filter(slug=data.category).first()
    if category is None:
        err("category", "Choose a category.")
    elif category.prohibited:
        err("category", "Listings are not allowed in this category.")
    tags = parse_tags(data.tags)
    if len(tags) > MAX_TAGS:
        err("tags", f"At most {MAX_TAGS} tags.")
    if any(not _TAG_RE.match(t) for t in tags):
        err("tags", "Tags are 2–30 letters, digits or '-'.")

    price_sat, price_fiat, currency = _check_price(data, err)

    if data.stock is not None and (not _is_int(data.stock) or not 0 <= data.stock <= MAX_STOCK):
        err("stock", "Empty for unlimited, or a whole number from 0 to 1,000,000.")
    if data.kind not in Listing.Kind.values:
        err("kind", "Physical or digital.")
    if len(data.digital_text) > 20000:
        err("digitalText", "At most 20,000 characters.")
    if data.status not in Listing.Status.values:
        err("status", "Draft, active or hidden.")

    specs = _check_specifications(data.specifications, err)

    if data.status == Listing.Status.ACTIVE and not errors:
        _check_publishable(store, data, current, err, with_file)
    if errors:
        raise ValidationFailed(errors)
    assert category is not None
    return CleanListing(
        title=title, category=category, description=data.description.strip(), tags=tags,
        price_mode=data.price_mode, price_sat=price_sat, price_fiat=price_fiat,
        fiat_currency=currency, stock=data.stock, kind=data.kind,
        digital_text=data.digital_text.strip(), status=data.status, specifications=specs,
    )


def _search_text(listing: Listing, tags: list[str]) -> str:
    parts = [listing.title, " ".join(tags), listing.category.name]
    if listing.category.parent_id:
        parents = Category.objects.filter(pk=listing.category.parent_id).values_list("name",
                                                                                     flat=True)
        parts += list(parents)
    parts += [listing.store.name, markdown_to_text(listing.description)]
    return "\n".join(p for p in parts if p)


def _apply(listing: Listing, clean: CleanListing) -> None:
    listing.title = clean.title
    listing.slug = slugify(clean.title)[:80] or "item"
    listing.description = clean.description
    listing.category = clean.category
    listing.price_mode = clean.price_mode
    listing.price_sat = clean.price_sat
    listing.price_fiat = clean.price_fiat
    listing.fiat_currency = clean.fiat_currency
    # What sorting and price filters compare: the price in sats now (catalog/pricing.py).
    listing.sort_price_sat = estimate_of(clean.price_mode, clean.price_sat, clean.price_fiat,
                                         clean.fiat_currency)
    listing.stock = clean.stock
    listing.kind = clean.kind
    listing.digital_text = clean.digital_text
    listing.status = clean.status


def _save_relations(listing: Listing, clean: CleanListing) -> None:
    tag_objs = []
    for name in clean.tags:
        tag, _ = Tag.objects.get_or_create(name=name)
        tag_objs.append(tag)
    listing.tags.set(tag_objs)
    listing.specifications.all().delete()
    listing.specifications.bulk_create(
        listing.specifications.model(listing=listing, key=k, value=v, position=i)
        for i, (k, v) in enumerate(clean.specifications)
    )
    listing.search_text = _search_text(listing, clean.tags)
    listing.save(update_fields=["search_text"])


def save_clean(listing: Listing, clean: CleanListing) -> Listing:
    """Write input already checked by check_listing_input() to a new or existing listing."""
    with transaction.atomic():
        _apply(listing, clean)
        listing.visible = is_visible_now(listing)
        listing.save()
        _save_relations(listing, clean)
    bump_generation()
    return listing


def do_create_listing(store: Store, data: ListingInput) -> Listing:
    return save_clean(Listing(store=store), check_listing_input(store, data))


def do_update_listing(listing: Listing, data: ListingInput) -> Listing:
    return save_clean(listing, check_listing_input(listing.store, data, current=listing))


def do_set_status(listing: Listing, status: str) -> Listing:
    """Publish, hide or return to draft, with the same checks as a full edit."""
    data = listing_input_of(listing)
    return do_update_listing(listing, ListingInput(**{**data.__dict__, "status": status}))


def listing_input_of(listing: Listing) -> ListingInput:
    return ListingInput(
        title=listing.title, category=listing.category.slug, description=listing.description,
        tags=[t.name for t in listing.tags.all()], price_mode=listing.price_mode,
        price_sat=listing.price_sat, price_fiat=listing.price_fiat,
        fiat_currency=listing.fiat_currency, stock=listing.stock, kind=listing.kind,
        digital_text=listing.digital_text, status=listing.status,
        specifications=[(s.key, s.value) for s in listing.specifications.all()],
    )


def do_add_image(listing: Listing, data: bytes) -> ListingImage:
    if listing.images.count() >= MAX_IMAGES:
        raise ValidationFailed({"images": [f"At most {MAX_IMAGES} images per listing."]})
    try:
        stored = store_image(data, f"listings/{listing.public_id}")
    except ImageRejected as exc:
        raise ValidationFailed({"images": [str(exc)]}) from exc
    return ListingImage.objects.create(
        listing=listing, path=stored.path, thumb_path=stored.thumb_path, width=stored.width,
        height=stored.height, position=listing.images.count())


def do_remove_image(listing: Listing, image_id: int) -> None:
    image = listing.images.filter(pk=image_id).first()
    if image is None:
        raise NotFound("No such image.")
    delete_image(image.path, image.thumb_path)
    image.delete()


def _digital_context(listing: Listing) -> str:
    return f"catalog.Listing.digital_file:{listing.public_id}"


def encrypted_digital_files() -> Iterator[EncryptedFile]:
    """Every digital payload on disk with the context it is sealed with (for key rotation)."""
    rows = (Listing.objects.exclude(digital_file="").order_by("pk")
            .values_list("public_id", "digital_file").iterator(chunk_size=500))
    for public_id, rel in rows:
        yield EncryptedFile(Path(settings.MEDIA_ROOT) / rel,
                            f"catalog.Listing.digital_file:{public_id}")


def do_set_digital_file(listing: Listing, name: str, data: bytes) -> Listing:
    if listing.kind != Listing.Kind.DIGITAL:
        raise ActionError("Only digital listings carry a file.", field="digitalFile")
    if not data or len(data) > MAX_DIGITAL_FILE_BYTES:
        raise ValidationFailed({"digitalFile": ["A file of at most 20 MB."]})
    folder = Path(settings.MEDIA_ROOT) / "digital"
    folder.mkdir(parents=True, exist_ok=True)
    rel = f"digital/{secrets.token_hex(16)}.bin"
    # Encrypted: the file lives outside anything the web server serves, and a disk copy
    # alone reveals nothing.
    (Path(settings.MEDIA_ROOT) / rel).write_bytes(
        crypto.encrypt_bytes(data, context=_digital_context(listing)))
    old = listing.digital_file
    listing.digital_file = rel
    listing.digital_file_name = Path(name).name[:120] or "download"
    listing.save(update_fields=["digital_file", "digital_file_name", "updated_at"])
    if old:
        (Path(settings.MEDIA_ROOT) / old).unlink(missing_ok=True)
    return listing


def read_digital_file(listing: Listing) -> bytes:
    path = Path(settings.MEDIA_ROOT) / listing.digital_file
    return crypto.decrypt_bytes(path.read_bytes(), context=_digital_context(listing))


def listing_in_use(listing: Listing) -> bool:
    return any(in_use(listing) for in_use in LISTING_IN_USE)


def do_delete_listing(listing: Listing) -> str:
    """Delete a listing nobody ordered; one with orders is hidden instead (orders keep
    their snapshots either way). Returns "deleted" or "hidden"."""
    if listing_in_use(listing):
        listing.status, listing.visible = Listing.Status.HIDDEN, False
        listing.save(update_fields=["status", "visible", "updated_at"])
        bump_generation()
        return "hidden"
    for image in listing.images.all():
        delete_image(image.path, image.thumb_path)
    if listing.digital_file:
        (Path(settings.MEDIA_ROOT) / listing.digital_file).unlink(missing_ok=True)
    listing.delete()
    bump_generation()
    return "deleted"


# --- lookups with ownership --------------------------------------------------------------

def visible_listings() -> QuerySet[Listing]:
    """What the public may see: active, not blocked by staff, in an active store, in an
    allowed category — the maintained ``visible`` flag (catalog/visibility.py, ADR 15),
    which the browse indexes lead with."""
    # Value(True): compared as "visible = 1", which SQLite matches to the index; the bare
    # "WHERE visible" Django writes for True it would not.
    return Listing.objects.filter(visible=Value(True))


def listing_for_viewer(public_id: str, user: User | None) -> Listing:
    """A listing the viewer may see: public ones to everybody; drafts, hidden and blocked
    ones only to their store's owner and staff with 2FA on. Anything else is 404."""
    listing = (Listing.objects.select_related("store", "category", "category__parent")
               .filter(public_id=public_id).first())
    if listing is None:
        raise NotFound("No such listing.")
    if is_visible_now(listing):
        return listing
    if user is not None and user.is_authenticated and (
            listing.store.owner_id == user.pk or user.acts_as_staff):
        return listing
    raise NotFound("No such listing.")


def listing_for_owner(public_id: str, user: User) -> Listing:
    listing = (Listing.objects.select_related("store", "category")
               .filter(public_id=public_id, store__owner=user).first())
    if listing is None:
        raise NotFound("No such listing.")
    return listing
