"""`manage.py seed_demo` (and `first_run`, which calls it): counts, idempotency, real,
metadata-free WebP images for every listing, deterministic pictures that show what each
listing sells (no title burned in), and demo text without tell-tale slips."""

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
        assert ".." not in item.description  # not "Ships from Cold Storage Co.."
        assert item.search_text  # indexed for full-text search
    # Which listing comes first isn't fixed (equal creation times): look at a physical one.
    physical = next(x for x in listings
                    if x.kind == "physical" and x.store.name == "Cold Storage Co.")
    assert "Ships from** Cold Storage Co. See" in physical.description
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

    first = demo.render_image("plate", "0", 1)
    assert first == demo.render_image("plate", "0", 1)
    assert first != demo.render_image("plate", "0", 2)
    with Image.open(io.BytesIO(first)) as image:
        assert image.size == (demo.IMAGE_SIDE, demo.IMAGE_SIDE)


def test_demo_pictures_show_what_is_sold() -> None:
    from cryptoshop.demo import pictures as demo
    from cryptoshop.demo.catalog_data import ITEMS

    motif = {item.title: item.motif or demo.MOTIF_OF_CATEGORY[item.category] for item in ITEMS}
    assert set(motif.values()) <= set(demo.DRAW)  # no listing falls back to a box
    assert motif["Silver Round, 1 oz, Engraved Genesis Hash"] == "silver"
    assert motif['Canvas Tote Bag "Not Your Keys"'] == "tote"
    assert motif["Roll-Top Backpack, Waterproof"] == "backpack"
    assert motif["Enamel Pin Set, 3 Pins"] == "pins"
    assert motif['Embroidered Cap "21M"'] == "cap"
    assert motif["Open-Source Air-Gapped Signing Device"] == "signer"
    assert motif["Hand Coffee Grinder with Conical Burrs"] == "grinder"
    coffee_bags = {t for t, m in motif.items() if m == "bag"}
    assert coffee_bags and all(
        next(i for i in ITEMS if i.title == t).category == "coffee-tea" for t in coffee_bags)
    # A silver round is silver: grey where the gold coin was yellow.
    with Image.open(io.BytesIO(demo.render_image("silver", "0"))) as image:
        red, green, blue = image.convert("RGB").getpixel((demo.IMAGE_SIDE // 2 + 120,
                                                          int(demo.IMAGE_SIDE * 0.46)))
    assert abs(red - blue) < 25 and abs(red - green) < 25


def test_no_title_is_burned_into_a_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageDraw

    from cryptoshop.demo import pictures as demo
    from cryptoshop.demo.catalog_data import ITEMS

    drawn: list[str] = []
    real_text = ImageDraw.ImageDraw.text

    def record(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kwargs: Any) -> Any:
        drawn.append(str(text))
        return real_text(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record)
    for index, item in enumerate(ITEMS):
        drawn.clear()
        for variant in range(item.images):
            demo.render_image(item.motif or demo.MOTIF_OF_CATEGORY[item.category], str(index),
                              variant)
        # Any three words of the title in a row (an engraving such as "1 OZ" is the object's).
        words = item.title.lower().replace(",", "").split()
        runs = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
        burned = [t for t in drawn if any(run in t.lower() for run in runs)]
        assert burned == [], f"{item.title}: {burned}"
        assert "detail" not in drawn and "side view" not in drawn


def test_first_run_can_skip_demo_data(settings: Any, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("CRYPTOSHOP_DEMO_DATA", "0")
    call_command("first_run", stdout=io.StringIO())
    assert not Listing.objects.exists() and (tmp_path / "first-run.done").exists()
