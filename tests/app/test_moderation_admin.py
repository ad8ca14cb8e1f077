"""Moderation in the Django admin: the audit log is read-only even for a superuser, the block,
ban and suspend actions ask for a reason and are audited, and ordinary edits are audited."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from cryptoshop.moderation import actions
from cryptoshop.moderation.models import AuditEntry
from cryptoshop.stores.models import Store
from tests.app.moderation_setup import audit_entries, log_in, shop_with_listing
from tests.factories import operator, seller

pytestmark = pytest.mark.django_db


def test_audit_log_is_read_only_in_the_admin_even_for_a_superuser() -> None:
    _, _, item = shop_with_listing()
    staff = operator()
    entry = actions.audit(staff.user, "listing.block", item, "test", {"k": 1})
    client = Client()
    log_in(client, staff)
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
    _, _, item = shop_with_listing()
    staff = operator()
    client = Client()
    log_in(client, staff)
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
    [entry] = audit_entries("listing.block")
    assert entry.actor == staff.user and entry.target_id == item.public_id


def test_admin_ban_and_suspend_actions() -> None:
    acct, _, _ = shop_with_listing()
    other_acct, other_store = seller("Other Shop")
    staff = operator()
    client = Client()
    log_in(client, staff)
    response = client.post("/admin/accounts/user/", {
        "action": "ban_accounts", "_selected_action": [acct.user.pk], "apply": "yes",
        "reason": "Fraud ring"})
    assert response.status_code == 302
    acct.user.refresh_from_db()
    assert not acct.user.is_active and audit_entries("account.ban")[0].reason == "Fraud ring"
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
    staff = operator()
    client = Client()
    log_in(client, staff)
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
