"""Reporting a listing: through the form (anonymous with CSRF, signed in and counted once
without being linked to the account, rate limited per address) and through the API
(anonymous, with a bearer token, validation, rate limit)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.moderation.models import Report
from tests.app.conftest import api_post, csrf_from
from tests.app.moderation_setup import log_in, shop_with_listing
from tests.factories import listing, make_account, operator

pytestmark = pytest.mark.django_db


def test_anonymous_report_through_the_form_with_csrf() -> None:
    _, _, item = shop_with_listing()
    client = Client(enforce_csrf_checks=True)
    url = f"/moderation/report/{item.public_id}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Report a listing" in page.content
    assert client.post(url, {"reason": "scam"}).status_code == 403  # no CSRF token
    response = client.post(url, {"reason": "scam", "text": "Asks to pay outside the shop.",
                                 "csrfmiddlewaretoken": csrf_from(page.content.decode())})
    assert response.status_code == 302 and response["Location"] == f"/l/{item.public_id}/"
    report = Report.objects.get()
    assert report.listing == item and report.duplicate_key == "" and report.reason == "scam"
    assert report.status == Report.Status.OPEN and "outside the shop" in report.text
    # The thank-you flash shows on the next page rendered.
    assert "Thank you" in client.get(url).content.decode()


def test_form_validation_and_unknown_or_hidden_listings(client: Client) -> None:
    acct, store, item = shop_with_listing()
    url = f"/moderation/report/{item.public_id}/"
    bad = client.post(url, {"reason": "because"})
    assert bad.status_code == 400 and not Report.objects.exists()
    vague = client.post(url, {"reason": "other", "text": "hm"})
    assert vague.status_code == 400 and b"at least 10 characters" in vague.content
    assert client.get("/moderation/report/l_doesnotexist/").status_code == 404
    draft = listing(store, "Draft scarf", status="draft")
    assert client.get(f"/moderation/report/{draft.public_id}/").status_code == 404
    # The seller can't report their own listing.
    log_in(client, acct)
    own = client.post(url, {"reason": "scam"})
    assert own.status_code == 400 and b"your own listing" in own.content


def test_signed_in_report_is_counted_once_but_not_linked(client: Client) -> None:
    _, _, item = shop_with_listing()
    buyer = make_account("alice_buyer")
    log_in(client, buyer)
    url = f"/moderation/report/{item.public_id}/"
    assert client.post(url, {"reason": "counterfeit"}).status_code == 302
    again = client.post(url, {"reason": "counterfeit"})
    assert again.status_code == 409 and b"already reported" in again.content
    report = Report.objects.get()
    _assert_nothing_identifies(report, buyer)
    # Another account may report the same listing; its code differs.
    other = Client()
    log_in(other, make_account())
    assert other.post(url, {"reason": "counterfeit"}).status_code == 302
    assert len({r.duplicate_key for r in Report.objects.all()}) == 2


def _assert_nothing_identifies(report: Report, acct: Any) -> None:
    """No column of the report holds the account's id, public id or name."""
    assert not any(f.is_relation and f.name == "reporter" for f in Report._meta.get_fields())
    row = {f.attname: getattr(report, f.attname) for f in Report._meta.concrete_fields}
    text = " ".join(str(v) for v in row.values())
    for ident in (acct.user.public_id, acct.user.label, acct.token):
        assert str(ident) not in text
    assert str(acct.user.pk) not in {str(v) for v in row.values()} - {str(report.pk),
                                                                      str(report.listing_id)}
    assert len(report.duplicate_key) == 64


def test_the_form_says_what_is_kept_and_the_queue_names_no_reporter(client: Client) -> None:
    _, _, item = shop_with_listing()
    page = client.get(f"/moderation/report/{item.public_id}/").content.decode()
    assert "nothing identifying you is stored" not in page
    assert "not linked to your account" in page and "address" in page
    buyer = make_account("alice_buyer")
    log_in(client, buyer)
    client.post(f"/moderation/report/{item.public_id}/", {"reason": "scam"})
    staff = operator()
    queue_client = Client()
    log_in(queue_client, staff)
    queue = queue_client.get("/moderation/queue/")
    assert queue.status_code == 200 and "Blue wool hat" in queue.content.decode()
    assert "alice_buyer" not in queue.content.decode()


def test_form_reports_are_rate_limited_per_address(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report:ip": (3, 3600)}
    _, _, item = shop_with_listing()
    url = f"/moderation/report/{item.public_id}/"
    for _ in range(3):
        assert client.post(url, {"reason": "offensive"}).status_code == 302
    limited = client.post(url, {"reason": "offensive"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert Report.objects.count() == 3
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(url, {"reason": "offensive"}).status_code == 302


# --- reports: the API -------------------------------------------------------------------------

def test_api_report_anonymous_and_validation(client: Client) -> None:
    _, _, item = shop_with_listing()
    path = f"/api/products/{item.public_id}/report"
    response = api_post(client, path, {"reason": "prohibited", "text": "Sells a weapon."})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"]["listingId"] == item.public_id
    assert body["data"]["status"] == "open" and "createdAt" in body["data"]
    assert Report.objects.get().duplicate_key == ""
    bad = api_post(client, path, {"reason": "nope"})
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"
    assert "reason" in bad.json()["details"]
    missing = api_post(client, path, {"text": "no reason"})
    assert missing.status_code == 400 and missing.json()["success"] is False
    gone = api_post(client, "/api/products/l_nothere/report", {"reason": "scam"})
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"


def test_api_report_with_a_bearer_token_and_rate_limit(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report:ip": (2, 3600)}
    _, _, item = shop_with_listing()
    _, _, other_item = shop_with_listing("Green wool hat")
    reporter = make_account()
    auth = {"Authorization": f"Bearer {reporter.token}"}
    path = f"/api/products/{item.public_id}/report"
    assert api_post(client, path, {"reason": "scam"}, **auth).status_code == 201
    _assert_nothing_identifies(Report.objects.get(), reporter)
    duplicate = api_post(client, path, {"reason": "scam"}, **auth)
    assert duplicate.status_code == 409
    assert api_post(client, f"/api/products/{other_item.public_id}/report",
                    {"reason": "scam"}).status_code == 201
    limited = api_post(client, f"/api/products/{other_item.public_id}/report",
                       {"reason": "offensive"})
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    bad_token = api_post(client, path, {"reason": "scam"}, Authorization="Bearer cs1_nope")
    assert bad_token.status_code == 401
