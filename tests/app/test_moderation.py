"""Moderation: reports (form and API, anonymous and signed in, rate limits), staff actions
with their audit entries, the staff queue (404 for others, 2FA required), and an audit log
that the admin can't edit or delete — not even for a superuser."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client

from cryptoshop.accounts import actions as account_actions
from cryptoshop.accounts.models import User
from cryptoshop.catalog.actions import do_set_status, listing_for_viewer, visible_listings
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed
from cryptoshop.moderation import actions
from cryptoshop.moderation.models import AuditEntry, Report
from cryptoshop.stores.models import Store
from tests.app.conftest import api_post, csrf_from
from tests.factories import Account, enable_2fa, fresh_code, listing, make_account, seller

pytestmark = pytest.mark.django_db


def _staff(*, superuser: bool = True, two_factor: bool = True) -> Account:
    reg = account_actions.do_create_operator(display_name=None)
    acct = Account(reg.user, reg.token)
    if not superuser:
        User.objects.filter(pk=acct.user.pk).update(is_superuser=False)
        acct.user.refresh_from_db()
    if two_factor:
        enable_2fa(acct)
    return acct


def _login(client: Client, acct: Account) -> None:
    response = client.post("/accounts/login/", {"token": acct.token})
    assert response.status_code == 302
    if acct.user.totp_enabled:
        response = client.post("/accounts/login/code/", {"code": fresh_code(acct.user)})
        assert response.status_code == 302


_stores = iter(range(1, 1000))


def _shop(title: str = "Blue wool hat") -> tuple[Account, Store, Listing]:
    acct, store = seller(f"Wool Store {next(_stores)}")
    return acct, store, listing(store, title)


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


# --- reports: the form ------------------------------------------------------------------------

def test_anonymous_report_through_the_form_with_csrf() -> None:
    _, _, item = _shop()
    client = Client(enforce_csrf_checks=True)
    url = f"/moderation/report/{item.public_id}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Report a listing" in page.content
    assert client.post(url, {"reason": "scam"}).status_code == 403  # no CSRF token
    response = client.post(url, {"reason": "scam", "text": "Asks to pay outside the shop.",
                                 "csrfmiddlewaretoken": csrf_from(page.content.decode())})
    assert response.status_code == 302 and response["Location"] == f"/l/{item.public_id}/"
    report = Report.objects.get()
    assert report.listing == item and report.reporter is None and report.reason == "scam"
    assert report.status == Report.Status.OPEN and "outside the shop" in report.text
    # The thank-you flash shows on the next page rendered.
    assert "Thank you" in client.get(url).content.decode()


def test_form_validation_and_unknown_or_hidden_listings(client: Client) -> None:
    acct, store, item = _shop()
    url = f"/moderation/report/{item.public_id}/"
    bad = client.post(url, {"reason": "because"})
    assert bad.status_code == 400 and not Report.objects.exists()
    vague = client.post(url, {"reason": "other", "text": "hm"})
    assert vague.status_code == 400 and b"at least 10 characters" in vague.content
    assert client.get("/moderation/report/l_doesnotexist/").status_code == 404
    draft = listing(store, "Draft scarf", status="draft")
    assert client.get(f"/moderation/report/{draft.public_id}/").status_code == 404
    # The seller can't report their own listing.
    _login(client, acct)
    own = client.post(url, {"reason": "scam"})
    assert own.status_code == 400 and b"your own listing" in own.content


def test_signed_in_report_is_linked_and_counted_once(client: Client) -> None:
    _, _, item = _shop()
    buyer = make_account()
    _login(client, buyer)
    url = f"/moderation/report/{item.public_id}/"
    assert client.post(url, {"reason": "counterfeit"}).status_code == 302
    again = client.post(url, {"reason": "counterfeit"})
    assert again.status_code == 409 and b"already reported" in again.content
    assert Report.objects.get().reporter == buyer.user


def test_form_reports_are_rate_limited_per_address(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report:ip": (3, 3600)}
    _, _, item = _shop()
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
    _, _, item = _shop()
    path = f"/api/products/{item.public_id}/report"
    response = api_post(client, path, {"reason": "prohibited", "text": "Sells a weapon."})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"]["listingId"] == item.public_id
    assert body["data"]["status"] == "open" and "createdAt" in body["data"]
    assert Report.objects.get().reporter is None
    bad = api_post(client, path, {"reason": "nope"})
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"
    assert "reason" in bad.json()["details"]
    missing = api_post(client, path, {"text": "no reason"})
    assert missing.status_code == 400 and missing.json()["success"] is False
    gone = api_post(client, "/api/products/l_nothere/report", {"reason": "scam"})
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"


def test_api_report_with_a_bearer_token_and_rate_limit(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report:ip": (2, 3600)}
    _, _, item = _shop()
    _, _, other_item = _shop("Green wool hat")
    reporter = make_account()
    auth = {"Authorization": f"Bearer {reporter.token}"}
    path = f"/api/products/{item.public_id}/report"
    assert api_post(client, path, {"reason": "scam"}, **auth).status_code == 201
    assert Report.objects.get().reporter == reporter.user
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


# --- staff actions and the audit log ----------------------------------------------------------

def test_block_hides_the_listing_and_the_seller_cannot_undo_it() -> None:
    acct, _, item = _shop()
    staff = _staff()
    assert visible_listings().filter(pk=item.pk).exists()
    with pytest.raises(ValidationFailed):
        actions.do_block_listing(staff.user, item, "  ")
    assert not AuditEntry.objects.exists()
    actions.do_block_listing(staff.user, item, "Counterfeit goods")
    item.refresh_from_db()
    assert item.blocked and item.blocked_reason == "Counterfeit goods"
    assert not visible_listings().filter(pk=item.pk).exists()
    with pytest.raises(NotFound):
        listing_for_viewer(item.public_id, None)
    with pytest.raises(NotFound):
        listing_for_viewer(item.public_id, make_account().user)
    assert listing_for_viewer(item.public_id, acct.user) == item  # the owner still sees it
    # Publishing again (the seller's own status) doesn't lift a block.
    do_set_status(item, "hidden")
    do_set_status(item, "active")
    item.refresh_from_db()
    assert item.blocked and not visible_listings().filter(pk=item.pk).exists()
    with pytest.raises(Conflict):
        actions.do_block_listing(staff.user, item, "again")
    [entry] = _audit("listing.block")
    assert entry.actor == staff.user and entry.target_type == "catalog.listing"
    assert entry.target_id == item.public_id and entry.reason == "Counterfeit goods"
    actions.do_unblock_listing(staff.user, item, "Seller proved authenticity")
    assert visible_listings().filter(pk=item.pk).exists()
    assert _audit("listing.unblock")[0].reason == "Seller proved authenticity"


def test_only_staff_can_moderate() -> None:
    _, store, item = _shop()
    nobody = make_account().user
    with pytest.raises(NotFound):
        actions.do_block_listing(nobody, item, "I don't like it")
    with pytest.raises(NotFound):
        actions.do_suspend_store(nobody, store, "I don't like it")
    with pytest.raises(NotFound):
        actions.do_ban_account(nobody, store.owner, "I don't like it")
    assert not AuditEntry.objects.exists()


def test_suspend_store_hides_all_its_listings() -> None:
    _, store, item = _shop()
    second = listing(store, "Red wool hat")
    staff = _staff()
    actions.do_suspend_store(staff.user, store, "Repeated scams")
    store.refresh_from_db()
    assert store.status == Store.Status.SUSPENDED and store.suspended_reason == "Repeated scams"
    assert not visible_listings().filter(pk__in=[item.pk, second.pk]).exists()
    with pytest.raises(NotFound):
        listing_for_viewer(item.public_id, None)
    # A suspended store can't publish.
    with pytest.raises(ValidationFailed):
        listing(store, "Yet another hat")
    actions.do_unsuspend_store(staff.user, store, "Appeal accepted")
    assert visible_listings().filter(pk__in=[item.pk, second.pk]).count() == 2
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "store.suspend", "store.unsuspend"]
    assert AuditEntry.objects.filter(target_id=store.public_id).count() == 2


def test_ban_ends_sessions_suspends_the_store_and_is_audited(client: Client) -> None:
    acct, store, item = _shop()
    _login(client, acct)
    assert client.get("/accounts/").status_code == 200
    api_token = api_post(Client(), "/api/auth/login", {"token": acct.token}).json()["data"][
        "sessionToken"]
    staff = _staff()
    actions.do_ban_account(staff.user, acct.user, "Fraud")
    acct.user.refresh_from_db()
    assert not acct.user.is_active
    assert client.get("/accounts/").status_code == 302  # logged out
    me = Client().get("/api/auth/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 401
    assert Client().post("/accounts/login/", {"token": acct.token}).status_code == 401
    store.refresh_from_db()
    assert store.status == Store.Status.SUSPENDED
    assert not visible_listings().filter(pk=item.pk).exists()
    ban, suspend = _audit("account.ban"), _audit("store.suspend")
    assert ban[0].target_id == acct.user.public_id and ban[0].reason == "Fraud"
    assert suspend[0].data["via"] == "account.ban"
    actions.do_unban_account(staff.user, acct.user, "Mistake")
    acct.user.refresh_from_db()
    assert acct.user.is_active and _audit("account.unban")
    store.refresh_from_db()
    assert store.status == Store.Status.SUSPENDED  # lifted separately


def test_ban_guards() -> None:
    staff = _staff()
    with pytest.raises(ActionError, match="your own account"):
        actions.do_ban_account(staff.user, staff.user, "test")
    junior = _staff(superuser=False)
    with pytest.raises(ActionError, match="superuser"):
        actions.do_ban_account(junior.user, staff.user, "coup")
    actions.do_ban_account(staff.user, junior.user, "Left the team")
    with pytest.raises(Conflict):
        actions.do_ban_account(staff.user, junior.user, "again")


def test_resolving_a_report_is_audited_once() -> None:
    _, _, item = _shop()
    report = actions.do_report_listing(None, item, "wrong_category", "", "203.0.113.50")
    staff = _staff()
    actions.do_resolve_report(staff.user, report, "dismissed", "Category is fine")
    report.refresh_from_db()
    assert report.status == "dismissed" and report.resolved_by == staff.user
    assert report.resolution == "Category is fine" and report.resolved_at is not None
    with pytest.raises(Conflict):
        actions.do_resolve_report(staff.user, report, "actioned", "twice")
    assert len(_audit("report.dismiss")) == 1


# --- the queue --------------------------------------------------------------------------------

def test_queue_is_404_for_others_and_needs_2fa_for_staff() -> None:
    anonymous = Client()
    assert anonymous.get("/moderation/queue/").status_code == 404
    member = Client()
    _login(member, make_account())
    assert member.get("/moderation/queue/").status_code == 404
    assert member.post("/moderation/queue/1/act/", {"action": "dismiss",
                                                   "reason": "x" * 5}).status_code == 404
    no_2fa = Client()
    _login(no_2fa, _staff(two_factor=False))
    response = no_2fa.get("/moderation/queue/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"


def test_staff_act_from_the_queue() -> None:
    _, store, item = _shop()
    other = listing(store, "Grey wool hat")
    first = actions.do_report_listing(None, item, "counterfeit", "Fake brand", "203.0.113.1")
    second = actions.do_report_listing(None, item, "scam", "", "203.0.113.2")
    third = actions.do_report_listing(None, other, "offensive", "", "203.0.113.3")
    staff = _staff()
    client = Client()
    _login(client, staff)
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
    acct, store, item = _shop()
    report = actions.do_report_listing(None, item, "scam", "Never ships", "203.0.113.1")
    staff = _staff()
    client = Client()
    _login(client, staff)
    client.post(f"/moderation/queue/{report.pk}/act/", {"action": "ban_seller",
                                                        "reason": "Scammer"})
    acct.user.refresh_from_db()
    store.refresh_from_db()
    report.refresh_from_db()
    assert not acct.user.is_active and store.status == Store.Status.SUSPENDED
    assert report.status == "actioned"
    assert {"account.ban", "store.suspend", "report.action"} <= set(
        AuditEntry.objects.values_list("action", flat=True))


# --- the admin --------------------------------------------------------------------------------

def test_audit_log_is_read_only_in_the_admin_even_for_a_superuser() -> None:
    _, _, item = _shop()
    staff = _staff()
    entry = actions.audit(staff.user, "listing.block", item, "test", {"k": 1})
    client = Client()
    _login(client, staff)
    base = "/admin/moderation/auditentry/"
    changelist = client.get(base)
    assert changelist.status_code == 200 and b"listing.block" in changelist.content
    assert b"delete_selected" not in changelist.content
    assert client.get(f"{base}add/").status_code == 403
    view = client.get(f"{base}{entry.pk}/change/")
    assert view.status_code == 200 and b'name="reason"' not in view.content  # view-only
    assert client.post(f"{base}{entry.pk}/change/", {"reason": "edited"}).status_code == 403
    assert client.get(f"{base}{entry.pk}/delete/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(base, {"action": "delete_selected", "_selected_action": [entry.pk],
                              "post": "yes"}).status_code in {200, 302}
    entry.refresh_from_db()
    assert entry.reason == "test" and AuditEntry.objects.count() == 1
    model_admin = admin.site._registry[AuditEntry]
    request = view.wsgi_request
    assert staff.user.is_superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)


def test_admin_block_action_asks_for_a_reason_and_is_audited() -> None:
    _, _, item = _shop()
    staff = _staff()
    client = Client()
    _login(client, staff)
    url = "/admin/catalog/listing/"
    ask = client.post(url, {"action": "block_listings", "_selected_action": [item.pk]})
    assert ask.status_code == 200 and b"Block selected listings" in ask.content
    assert b'name="reason"' in ask.content
    item.refresh_from_db()
    assert not item.blocked
    empty = client.post(url, {"action": "block_listings", "_selected_action": [item.pk],
                              "apply": "yes", "reason": ""})
    assert empty.status_code == 200  # the form again, with an error
    done = client.post(url, {"action": "block_listings", "_selected_action": [item.pk],
                             "apply": "yes", "reason": "Prohibited item"})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.blocked and item.blocked_reason == "Prohibited item"
    [entry] = _audit("listing.block")
    assert entry.actor == staff.user and entry.target_id == item.public_id


def test_admin_ban_and_suspend_actions() -> None:
    acct, _, _ = _shop()
    other_acct, other_store = seller("Other Shop")
    staff = _staff()
    client = Client()
    _login(client, staff)
    response = client.post("/admin/accounts/user/", {
        "action": "ban_accounts", "_selected_action": [acct.user.pk], "apply": "yes",
        "reason": "Fraud ring"})
    assert response.status_code == 302
    acct.user.refresh_from_db()
    assert not acct.user.is_active and _audit("account.ban")[0].reason == "Fraud ring"
    response = client.post("/admin/stores/store/", {
        "action": "suspend_stores", "_selected_action": [other_store.pk], "apply": "yes",
        "reason": "Policy breach"})
    assert response.status_code == 302
    other_store.refresh_from_db()
    assert other_store.status == Store.Status.SUSPENDED
    assert other_acct.user.is_active
    assert AuditEntry.objects.filter(action="store.suspend",
                                     target_id=other_store.public_id).exists()


def test_ordinary_admin_edits_are_audited() -> None:
    staff = _staff()
    client = Client()
    _login(client, staff)
    response = client.post("/admin/catalog/category/add/", {
        "name": "Weapons", "slug": "weapons", "parent": "", "description": "",
        "prohibited": "on", "position": "5"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.add.category")
    assert entry.actor == staff.user and entry.data["object"] == "Weapons"
    from cryptoshop.catalog.models import Category

    cat = Category.objects.get(slug="weapons")
    client.post(f"/admin/catalog/category/{cat.pk}/change/", {
        "name": "Weapons & arms", "slug": "weapons", "parent": "", "description": "",
        "prohibited": "on", "position": "5"})
    change = AuditEntry.objects.get(action="admin.change.category")
    assert change.target_id == str(cat.pk)
    assert change.data["change"] == [{"changed": {"fields": ["Name"]}}]
    client.post(f"/admin/catalog/category/{cat.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(action="admin.delete.category").exists()
    assert not Category.objects.filter(pk=cat.pk).exists()
