"""Every admin page an operator uses renders for staff with 2FA, on a shop full of demo
data; none of them shows an encrypted field."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.test.client import RequestFactory

from cryptoshop.accounts import actions as account_actions
from cryptoshop.catalog.models import Category, Listing
from cryptoshop.core.fields import EncryptedTextField
from cryptoshop.demo import seed as demo
from cryptoshop.moderation import actions as moderation
from tests.factories import Account, enable_2fa, fresh_code, listing, seller

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(settings: Any, tmp_path: Path) -> tuple[Client, Account]:
    settings.MEDIA_ROOT = tmp_path / "media"
    reg = account_actions.do_create_operator(display_name=None)
    staff = Account(reg.user, reg.token)
    enable_2fa(staff)
    client = Client()
    client.post("/accounts/login/", {"token": staff.token})
    client.post("/accounts/login/code/", {"code": fresh_code(staff.user)})
    return client, staff


def test_every_changelist_and_a_change_page_render(staff_client: tuple[Client, Account]) -> None:
    client, staff = staff_client
    call_command("seed_demo", stdout=io.StringIO())
    item = Listing.objects.order_by("id").first()
    assert item is not None
    report = moderation.do_report_listing(None, item, "scam", "test", "203.0.113.9")
    moderation.do_block_listing(staff.user, item, "test block")
    assert client.get("/admin/").status_code == 200
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        obj = model_admin.get_queryset(response.wsgi_request).first()
        if obj is not None:
            change = client.get(f"{url}{obj.pk}/change/")
            assert change.status_code == 200, f"{url}{obj.pk}/change/"
    # The listing and category pages show what operators need.
    listing_page = client.get(f"/admin/catalog/listing/{item.pk}/change/").content.decode()
    assert "test block" in listing_page and item.title in listing_page
    tree = client.get("/admin/catalog/category/").content.decode()
    assert "— Hardware wallets" in tree and tree.index("Electronics") < tree.index(
        "— Hardware wallets")
    assert client.get("/admin/catalog/category/add/").status_code == 200
    assert client.get(f"/admin/moderation/report/{report.pk}/change/").status_code == 200
    assert client.get("/admin/catalog/listing/?q=coffee").status_code == 200


def test_changelists_need_2fa(staff_client: tuple[Client, Account]) -> None:
    reg = account_actions.do_create_operator(display_name=None)
    client = Client()
    client.post("/accounts/login/", {"token": reg.token})
    response = client.get("/admin/catalog/listing/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"


def test_no_admin_shows_an_encrypted_field(staff_client: tuple[Client, Account]) -> None:
    client, staff = staff_client
    request = RequestFactory().get("/admin/")
    request.user = staff.user
    for model, model_admin in admin.site._registry.items():
        encrypted = {f.name for f in model._meta.get_fields()
                     if isinstance(f, EncryptedTextField)}
        if not encrypted:
            continue
        shown = set(model_admin.get_fields(request)) | set(model_admin.get_list_display(request))
        shown |= set(model_admin.get_readonly_fields(request))
        assert not shown & encrypted, (model, shown & encrypted)
    _, store = seller("Digital Store")
    digital = listing(store, "Secret e-book", kind="digital",
                      digital_text="SECRET-DOWNLOAD-CODE-123")
    page = client.get(f"/admin/catalog/listing/{digital.pk}/change/").content.decode()
    assert digital.digital_text[:20] not in page


def test_category_tree_rules(staff_client: tuple[Client, Account]) -> None:
    client, _ = staff_client
    demo.seed_categories(demo.SeedResult())
    top = Category.objects.get(slug="electronics")
    child = Category.objects.get(slug="mining")
    form = {"name": "ASICs", "slug": "asics", "parent": child.pk, "description": "",
            "position": "0"}
    response = client.post("/admin/catalog/category/add/", form)
    assert response.status_code == 200 and b"two levels" in response.content
    response = client.post(f"/admin/catalog/category/{top.pk}/change/", {
        "name": top.name, "slug": top.slug, "parent": Category.objects.get(slug="clothing").pk,
        "description": "", "position": "0"})
    assert response.status_code == 200 and b"must stay" in response.content
