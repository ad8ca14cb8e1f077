"""The seller's listing form: photos and the digital file are checked before anything is
saved, so a rejected file never leaves a published (or duplicated) listing behind."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cryptoshop.catalog.models import Listing
from cryptoshop.core.images import MAX_UPLOAD_BYTES
from tests.factories import category, listing, png_bytes, seller

pytestmark = pytest.mark.django_db


def _form(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title": "Red wool scarf", "category": category().slug,
                            "price_mode": "sat", "price_sat": "30000", "kind": "physical",
                            "status": "active", "description": "Warm."}
    data.update(extra)
    return data


def _client_for_new_seller() -> Client:
    acct, _ = seller()
    client = Client()
    client.force_login(acct.user)
    return client


def test_text_file_renamed_png_saves_nothing_and_keeps_the_form() -> None:
    client = _client_for_new_seller()
    fake = SimpleUploadedFile("photo.png", b"just some text, not an image", "image/png")
    response = client.post("/sell/listings/new/", _form(images=[fake]))
    html = response.content.decode()
    assert response.status_code == 400
    assert not Listing.objects.exists()
    assert "photo.png" in html and "not an image" in html
    assert "Listing published" not in html
    assert 'value="Red wool scarf"' in html  # the form stays filled
    assert "choose them again" in html  # files are not kept: say so


def test_oversized_png_saves_nothing_and_retrying_makes_one_listing() -> None:
    client = _client_for_new_seller()
    big = SimpleUploadedFile("huge.png", png_bytes() + b"\0" * (MAX_UPLOAD_BYTES + 10),
                             "image/png")
    response = client.post("/sell/listings/new/", _form(images=[big]))
    assert response.status_code == 400 and not Listing.objects.exists()
    assert "at most 8 MB" in response.content.decode()
    good = SimpleUploadedFile("ok.png", png_bytes(), "image/png")
    response = client.post("/sell/listings/new/", _form(images=[good]))
    assert response.status_code == 302
    [item] = Listing.objects.all()
    assert item.status == "active" and item.images.count() == 1


def test_one_bad_photo_among_good_ones_saves_none_of_them() -> None:
    client = _client_for_new_seller()
    files = [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
             SimpleUploadedFile("b.png", b"nope", "image/png")]
    response = client.post("/sell/listings/new/", _form(images=files))
    assert response.status_code == 400 and not Listing.objects.exists()


def test_edit_with_a_bad_photo_changes_nothing() -> None:
    acct, store = seller()
    item = listing(store, title="Blue wool hat")
    client = Client()
    client.force_login(acct.user)
    fake = SimpleUploadedFile("x.jpg", b"text", "image/jpeg")
    response = client.post(f"/sell/listings/{item.public_id}/",
                           _form(title="Renamed hat", images=[fake]))
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.title == "Blue wool hat" and item.images.count() == 0


def test_digital_file_on_a_physical_listing_saves_nothing() -> None:
    client = _client_for_new_seller()
    payload = SimpleUploadedFile("key.txt", b"secret", "text/plain")
    response = client.post("/sell/listings/new/", _form(digital_file=payload))
    assert response.status_code == 400 and not Listing.objects.exists()
