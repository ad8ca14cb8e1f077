"""Staff moderation actions and their audit entries: blocking a listing (the seller can't
undo it), only staff may moderate, suspending a store, banning a seller (sessions end, the
store is suspended) and its guards, resolving a report."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.catalog.actions import do_set_status, listing_for_viewer, visible_listings
from cryptoshop.core.errors import ActionError, Conflict, NotFound, ValidationFailed
from cryptoshop.moderation import actions
from cryptoshop.moderation.models import AuditEntry
from cryptoshop.stores.models import Store
from tests.app.conftest import api_post
from tests.app.moderation_setup import audit_entries, log_in, shop_with_listing
from tests.factories import listing, make_account, operator

pytestmark = pytest.mark.django_db


def test_block_hides_the_listing_and_the_seller_cannot_undo_it() -> None:
    acct, _, item = shop_with_listing()
    staff = operator()
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
    [entry] = audit_entries("listing.block")
    assert entry.actor == staff.user and entry.target_type == "catalog.listing"
    assert entry.target_id == item.public_id and entry.reason == "Counterfeit goods"
    actions.do_unblock_listing(staff.user, item, "Seller proved authenticity")
    assert visible_listings().filter(pk=item.pk).exists()
    assert audit_entries("listing.unblock")[0].reason == "Seller proved authenticity"


def test_only_staff_can_moderate() -> None:
    _, store, item = shop_with_listing()
    nobody = make_account().user
    with pytest.raises(NotFound):
        actions.do_block_listing(nobody, item, "I don't like it")
    with pytest.raises(NotFound):
        actions.do_suspend_store(nobody, store, "I don't like it")
    with pytest.raises(NotFound):
        actions.do_ban_account(nobody, store.owner, "I don't like it")
    assert not AuditEntry.objects.exists()


def test_suspend_store_hides_all_its_listings() -> None:
    _, store, item = shop_with_listing()
    second = listing(store, "Red wool hat")
    staff = operator()
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
    acct, store, item = shop_with_listing()
    log_in(client, acct)
    assert client.get("/accounts/").status_code == 200
    api_token = api_post(Client(), "/api/auth/login", {"token": acct.token}).json()["data"][
        "sessionToken"]
    staff = operator()
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
    ban, suspend = audit_entries("account.ban"), audit_entries("store.suspend")
    assert ban[0].target_id == acct.user.public_id and ban[0].reason == "Fraud"
    assert suspend[0].data["via"] == "account.ban"
    actions.do_unban_account(staff.user, acct.user, "Mistake")
    acct.user.refresh_from_db()
    assert acct.user.is_active and audit_entries("account.unban")
    store.refresh_from_db()
    assert store.status == Store.Status.SUSPENDED  # lifted separately


def test_ban_guards() -> None:
    staff = operator()
    with pytest.raises(ActionError, match="your own account"):
        actions.do_ban_account(staff.user, staff.user, "test")
    junior = operator(superuser=False)
    with pytest.raises(ActionError, match="superuser"):
        actions.do_ban_account(junior.user, staff.user, "coup")
    actions.do_ban_account(staff.user, junior.user, "Left the team")
    with pytest.raises(Conflict):
        actions.do_ban_account(staff.user, junior.user, "again")


def test_resolving_a_report_is_audited_once() -> None:
    _, _, item = shop_with_listing()
    report = actions.do_report_listing(None, item, "wrong_category", "", "203.0.113.50")
    staff = operator()
    actions.do_resolve_report(staff.user, report, "dismissed", "Category is fine")
    report.refresh_from_db()
    assert report.status == "dismissed" and report.resolved_by == staff.user
    assert report.resolution == "Category is fine" and report.resolved_at is not None
    with pytest.raises(Conflict):
        actions.do_resolve_report(staff.user, report, "actioned", "twice")
    assert len(audit_entries("report.dismiss")) == 1
