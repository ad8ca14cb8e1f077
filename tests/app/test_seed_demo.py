"""`manage.py seed_demo` (and `first_run`, which calls it): counts, idempotency, and real,
metadata-free WebP images for every listing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from PIL import Image

from cryptoshop.accounts.models import User
from cryptoshop.catalog.actions import visible_listings
from cryptoshop.catalog.models import Category, Listing, ListingImage
from cryptoshop.stores.models import ShippingOption, Store

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {"users": User.objects.count(), "stores": Store.objects.count(),
            "categories": Category.objects.count(), "listings": Listing.objects.count(),
            "images": ListingImage.objects.count(),
            "shipping": ShippingOption.objects.count()}


def _assert_clean_webp(path: Path) -> None:
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        assert "exif" not in image.info and not image.getexif()
        image.load()


def test_first_run_seeds_the_demo_shop_once(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("first_run", stdout=out)
    assert "Access token" in out.getvalue()  # the operator token is still printed
    assert User.objects.filter(is_staff=True).count() == 1
    counts = _counts()
    assert counts["stores"] == 5 and counts["listings"] == 60
    top = Category.objects.filter(parent__isnull=True)
    assert 6 <= top.count() <= 8
    assert Category.objects.filter(parent__isnull=False).count() >= 14
    assert Category.objects.filter(prohibited=True, slug="weapons").exists()
    assert not Listing.objects.filter(category__prohibited=True).exists()

    # Every store: its own account, 1 to 3 shipping options, and listings.
    for store in Store.objects.all():
        assert 1 <= store.shipping_options.count() <= 3
        assert store.listings.count() >= 10
    assert len({s.owner_id for s in Store.objects.all()}) == 5

    listings = list(Listing.objects.prefetch_related("images", "tags", "specifications"))
    assert visible_listings().count() == 60
    assert {x.price_mode for x in listings} == {"sat", "fiat"}
    assert {x.fiat_currency for x in listings if x.price_mode == "fiat"} >= {"USD", "EUR"}
    digital = [x for x in listings if x.kind == "digital"]
    assert len(digital) >= 5 and all(x.digital_text for x in digital)
    assert any(x.stock is not None and x.stock > 0 for x in listings)
    assert any(x.stock == 0 for x in listings)
    assert 3 <= sum(x.featured for x in listings) <= 12
    assert len({x.category_id for x in listings}) >= 12
    for item in listings:
        assert 1 <= len(item.images.all()) <= 3
        assert item.tags.all() and item.specifications.all()
        assert "### Highlights" in item.description
        assert item.search_text  # indexed for full-text search
    for image in ListingImage.objects.all():
        _assert_clean_webp(settings.MEDIA_ROOT / image.path)
        _assert_clean_webp(settings.MEDIA_ROOT / image.thumb_path)

    # Again: nothing new, via seed_demo itself and via first_run.
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 categories, 0 stores, 0 listings and 0 images" in out.getvalue()
    call_command("first_run", stdout=io.StringIO())
    assert _counts() == counts


def test_demo_pictures_are_deterministic() -> None:
    from cryptoshop.demo import pictures as demo

    first = demo.render_image("Titanium Seed Backup Plate", "plate", "0", 1)
    assert first == demo.render_image("Titanium Seed Backup Plate", "plate", "0", 1)
    assert first != demo.render_image("Titanium Seed Backup Plate", "plate", "0", 2)
    with Image.open(io.BytesIO(first)) as image:
        assert image.size == (demo.IMAGE_SIDE, demo.IMAGE_SIDE)


def test_first_run_can_skip_demo_data(settings: Any, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("CRYPTOSHOP_DEMO_DATA", "0")
    call_command("first_run", stdout=io.StringIO())
    assert not Listing.objects.exists() and (tmp_path / "first-run.done").exists()
