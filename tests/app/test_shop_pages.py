"""The shop's pages (help, terms, privacy, fees): true defaults filled in from the settings,
the operator's edits in the audited admin, Markdown sanitised, linked from every footer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.moderation.models import AuditEntry
from cryptoshop.pages.models import Page
from tests.app.moderation_setup import log_in
from tests.factories import operator

pytestmark = pytest.mark.django_db
SLUGS = ("help", "terms", "privacy", "fees")


@pytest.mark.parametrize("slug", SLUGS)
def test_each_page_renders_its_default_and_is_in_the_footer(client: Client, slug: str) -> None:
    page = client.get(f"/{slug}/")
    text = page.content.decode()
    assert page.status_code == 200 and "The default text of this" in text
    assert "{" not in text.split('<div class="markdown')[1].split("</div>")[0]  # all filled in
    home = client.get("/").content.decode()
    assert f'href="/{slug}/"' in home and 'href="/support/"' in home


def test_defaults_follow_the_settings(client: Client, settings: Any) -> None:
    settings.ORDER_PURGE_DAYS = 45
    assert "erased 45 days after the order finishes" in client.get("/privacy/").content.decode()
    settings.ESCROW_FEE_WALLET = "x"
    settings.ESCROW_FEE_PERCENT, settings.ESCROW_FEE_MIN_SAT = "1.5", 2000
    fees = client.get("/fees/").content.decode()
    assert "<strong>1.5%</strong>" in fees and "<strong>2,000 sats</strong>" in fees
    settings.ESCROW_FEE_WALLET = ""
    assert "charges <strong>no fee</strong>" in client.get("/fees/").content.decode()


def test_the_old_payments_help_redirects_to_help(client: Client) -> None:
    response = client.get("/help/payments/")
    assert response.status_code == 301 and response["Location"] == "/help/"


def test_an_edited_page_is_shown_and_its_markdown_sanitised(client: Client) -> None:
    Page.objects.create(slug="terms", title="Our terms",
                        body="# Rules\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
                             "**Bold** at {site_name}")
    text = client.get("/terms/").content.decode()
    assert "Our terms" in text and "<strong>Bold</strong>" in text and "Updated" in text
    body = text.split('<div class="markdown')[1].split("</div>")[0]
    assert "&lt;script&gt;" in body and "<script" not in body  # shown as text, never run
    assert 'href="javascript' not in body
    assert "at CryptoShop" in text


def test_the_operator_edits_a_page_in_the_audited_admin(client: Client) -> None:
    staff = operator()
    log_in(client, staff)
    add = client.get("/admin/pages/page/add/?slug=fees").content.decode()
    assert "What the marketplace charges" in add  # starts from the default text
    response = client.post("/admin/pages/page/add/?slug=fees", {
        "slug": "fees", "title": "Fees", "body": "Nothing at all."})
    assert response.status_code == 302
    assert "Nothing at all." in client.get("/fees/").content.decode()
    assert AuditEntry.objects.filter(action="admin.add.page").exists()
    assert "Edit" in client.get("/fees/").content.decode()


def test_visitors_see_no_edit_link(client: Client) -> None:
    assert "/admin/pages/" not in client.get("/help/").content.decode()
