"""The staff moderation queue: 404 for everyone else, 2FA required for staff, and staff acting
(and banning a seller) from it."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.moderation import actions
from cryptoshop.moderation.models import AuditEntry, Report
from cryptoshop.stores.models import Store
from tests.app.moderation_setup import log_in, shop_with_listing
from tests.factories import listing, make_account, operator

pytestmark = pytest.mark.django_db


def test_queue_is_404_for_others_and_needs_2fa_for_staff() -> None:
    anonymous = Client()
    assert anonymous.get("/moderation/queue/").status_code == 404
    member = Client()
    log_in(member, make_account())
    assert member.get("/moderation/queue/").status_code == 404
    assert member.post("/moderation/queue/1/act/", {"action": "dismiss",
                                                   "reason": "x" * 5}).status_code == 404
    no_2fa = Client()
    log_in(no_2fa, operator(two_factor=False))
    response = no_2fa.get("/moderation/queue/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"


def test_staff_act_from_the_queue() -> None:
    _, store, item = shop_with_listing()
    other = listing(store, "Grey wool hat")
    first = actions.do_report_listing(None, item, "counterfeit", "Fake brand", "203.0.113.1")
    second = actions.do_report_listing(None, item, "scam", "", "203.0.113.2")
    third = actions.do_report_listing(None, other, "offensive", "", "203.0.113.3")
    staff = operator()
    client = Client()
    log_in(client, staff)
    page = client.get("/moderation/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Blue wool hat" in html and "Grey wool hat" in html and "3 open" in html
    assert 'name="reason"' in html and "required" in html
    # Without a reason nothing happens.
    refused = client.post(f"/moderation/queue/{first.pk}/act/", {"action": "block_listing"})
    assert refused.status_code == 302
    first.refresh_from_db()
    assert first.status == "open" and not AuditEntry.objects.exists()
    # Blocking settles both reports on that listing.
    done = client.post(f"/moderation/queue/{first.pk}/act/",
                       {"action": "block_listing", "reason": "Counterfeit brand"})
    assert done.status_code == 302 and done["Location"] == "/moderation/queue/"
    item.refresh_from_db()
    assert item.blocked
    assert set(Report.objects.filter(pk__in=[first.pk, second.pk]).values_list(
        "status", flat=True)) == {"actioned"}
    assert {e.action for e in AuditEntry.objects.all()} == {"listing.block", "report.action"}
    assert AuditEntry.objects.filter(action="report.action").count() == 2
    # Dismiss the last one.
    client.post(f"/moderation/queue/{third.pk}/act/", {"action": "dismiss",
                                                       "reason": "Not offensive"})
    third.refresh_from_db()
    assert third.status == "dismissed"
    assert "Nothing to review" in client.get("/moderation/queue/").content.decode()


def test_ban_seller_from_the_queue() -> None:
    acct, store, item = shop_with_listing()
    report = actions.do_report_listing(None, item, "scam", "Never ships", "203.0.113.1")
    staff = operator()
    client = Client()
    log_in(client, staff)
    client.post(f"/moderation/queue/{report.pk}/act/", {"action": "ban_seller",
                                                        "reason": "Scammer"})
    acct.user.refresh_from_db()
    store.refresh_from_db()
    report.refresh_from_db()
    assert not acct.user.is_active and store.status == Store.Status.SUSPENDED
    assert report.status == "actioned"
    assert {"account.ban", "store.suspend", "report.action"} <= set(
        AuditEntry.objects.values_list("action", flat=True))
