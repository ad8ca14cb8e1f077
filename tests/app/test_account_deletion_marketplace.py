"""Deleting an account when it has orders or a store: blockers, what is kept, what goes."""

from __future__ import annotations

import pytest
from django.test import Client

from cryptoshop.accounts import actions as account_actions
from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import Conflict
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.stores.models import Store
from tests.factories import listing, make_account, seller

pytestmark = pytest.mark.django_db


def _buy(buyer_token: str, item: Listing, store: Store) -> Order:
    client = Client()
    client.post("/accounts/login/", {"token": buyer_token})
    client.post("/cart/add/", {"listing": item.public_id, "quantity": "1"})
    client.post("/checkout/", {"shipping_address": "1 Main Street, Springfield",
                               f"shipping_{store.pk}": store.shipping_options.first().pk})
    return Order.objects.filter(buyer__token_hash__isnull=False).latest("created_at")


def test_open_orders_block_deletion_finished_ones_are_kept() -> None:
    owner, store = seller()
    item = listing(store)
    buyer = make_account()
    order = _buy(buyer.token, item, store)
    plan = account_actions.check_delete_account(buyer.user)
    assert plan.blockers and "in progress" in plan.blockers[0]
    with pytest.raises(Conflict):
        account_actions.do_delete_account(buyer.user, token=buyer.token, code=None,
                                          client_ip="x")
    order_actions.do_mark_paid(order)
    order_actions.do_mark_shipped(order, owner.user, "sent")
    order_actions.do_confirm_received(order, buyer.user)
    plan = account_actions.check_delete_account(buyer.user)
    assert not plan.blockers and "1 finished order stays in the sellers' records" in plan.kept[0]
    account_actions.do_delete_account(buyer.user, token=buyer.token, code=None, client_ip="x")
    order.refresh_from_db()
    assert order.buyer is None and order.status == "completed"
    # The seller's store has order history now: it can't simply vanish.
    blockers = account_actions.check_delete_account(owner.user).blockers
    assert any("order history" in b for b in blockers)


def test_seller_without_orders_deletes_store_and_listings(client: Client) -> None:
    owner, store = seller("Plain Store", "plain-store")
    listing(store)
    listing(store, "Second")
    client.post("/accounts/login/", {"token": owner.token})
    page = client.get("/accounts/delete/").content.decode()
    assert f"your store “{store.name}” and its listings" in page
    response = client.post("/accounts/delete/", {"token": owner.token, "confirm": "on"})
    assert response.status_code == 302
    assert not Store.objects.exists() and not Listing.objects.exists()
