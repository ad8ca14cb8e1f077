"""Saving a listing together with its files (the seller's form): photos and the digital
file are checked with the listing's fields, before anything is written, so a rejected file
never leaves a saved, published or duplicated listing behind."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cryptoshop.catalog.actions import (
    MAX_DIGITAL_FILE_BYTES,
    MAX_IMAGES,
    ListingInput,
    check_listing_input,
    do_add_image,
    do_set_digital_file,
    save_clean,
)
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ValidationFailed
from cryptoshop.core.images import ImageRejected, check_image
from cryptoshop.stores.models import Store


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def check_listing_files(data: ListingInput, images: list[Upload], digital: Upload | None,
                        current: Listing | None = None) -> dict[str, list[str]]:
    """Problems with the uploaded files, per field (empty when all are fine)."""
    errors: dict[str, list[str]] = {}
    room = MAX_IMAGES - (current.images.count() if current is not None else 0)
    if len(images) > room:
        errors["images"] = [f"At most {MAX_IMAGES} images per listing"
                            f"{f' ({room} more)' if current is not None else ''}."]
    for upload in images:
        try:
            check_image(upload.data)
        except ImageRejected as exc:
            errors.setdefault("images", []).append(f"{upload.name}: {exc}")
    if digital is not None:
        if data.kind != Listing.Kind.DIGITAL:
            errors["digitalFile"] = ["Only digital listings carry a file."]
        elif not digital.data or len(digital.data) > MAX_DIGITAL_FILE_BYTES:
            errors["digitalFile"] = [f"{digital.name}: a file of at most 20 MB."]
    return errors


def do_save_listing_with_files(store: Store, data: ListingInput, images: list[Upload],
                               digital: Upload | None, current: Listing | None = None) -> Listing:
    """Create (current=None) or update a listing with its new files; on any problem with
    the fields or the files, nothing is saved and every problem is raised together."""
    errors = check_listing_files(data, images, digital, current)
    clean = None
    try:
        clean = check_listing_input(store, data, current=current, with_file=digital is not None)
    except ValidationFailed as exc:
        for key, messages in exc.details.items():
            errors.setdefault(key, []).extend(messages)
    if errors or clean is None:
        raise ValidationFailed(errors)
    with transaction.atomic():
        listing = save_clean(current if current is not None else Listing(store=store), clean)
        for upload in images:
            do_add_image(listing, upload.data)
        if digital is not None:
            do_set_digital_file(listing, digital.name or "download", digital.data)
    return listing
