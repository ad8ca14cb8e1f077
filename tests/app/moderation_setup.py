"""Shared steps of the moderation tests (test_moderation_*.py): logging in through the
pages (with a 2FA code when it is on), a store with a listing, and the audit entries."""

from __future__ import annotations

from django.test import Client

from cryptoshop.catalog.models import Listing
from cryptoshop.moderation.models import AuditEntry
from cryptoshop.stores.models import Store
from tests.factories import Account, fresh_code, listing, seller


def log_in(client: Client, acct: Account) -> None:
    response = client.post("/accounts/login/", {"token": acct.token})
    assert response.status_code == 302
    if acct.user.totp_enabled:
        response = client.post("/accounts/login/code/", {"code": fresh_code(acct.user)})
        assert response.status_code == 302


_stores = iter(range(1, 1000))


def shop_with_listing(title: str = "Blue wool hat") -> tuple[Account, Store, Listing]:
    acct, store = seller(f"Wool Store {next(_stores)}")
    return acct, store, listing(store, title)


def audit_entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))
