"""The maintained Listing.visible flag (ADR 15) after every write path that changes what the
public may see, and the cached catalogue pages following writes at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cryptoshop.catalog import actions
from cryptoshop.catalog.actions import ListingInput, do_delete_listing, do_set_status
from cryptoshop.catalog.models import Category, Listing
from cryptoshop.catalog.results import COUNT_CAP
from cryptoshop.catalog.visibility import is_visible_now, refresh_visibility
from cryptoshop.moderation.actions import (
    do_block_listing,
    do_suspend_store,
    do_unblock_listing,
    do_unsuspend_store,
)
from tests.factories import category, listing, make_account, make_order, operator, seller

pytestmark = pytest.mark.django_db


def _visible(item: Listing) -> bool:
    return Listing.objects.values_list("visible", flat=True).get(pk=item.pk)


def _on_browse(client: Client, item: Listing) -> bool:
    return item.public_id.encode() in client.get("/search/").content


def _in_api(client: Client, item: Listing) -> bool:
    return item.public_id in {p["id"] for p in client.get("/api/products").json()["data"]}


def _shows(client: Client, item: Listing, expected: bool) -> None:
    """The flag, the browse page and the API agree (the pages were cached before)."""
    assert _visible(item) is expected
    assert _on_browse(client, item) is expected
    assert _in_api(client, item) is expected


@pytest.fixture
def shop(client: Client) -> tuple[Any, Listing]:
    _, store = seller()
    item = listing(store, "Green wool scarf")
    _shows(client, item, True)  # now cached
    return store, item


def test_create_draft_then_publish_unpublish(client: Client) -> None:
    _, store = seller()
    draft = listing(store, "Draft scarf", status="draft")
    _shows(client, draft, False)
    do_set_status(draft, "active")
    _shows(client, draft, True)
    do_set_status(Listing.objects.get(pk=draft.pk), "hidden")
    _shows(client, draft, False)


def _edit(item: Listing, **changes: Any) -> None:
    """The seller's edit form: the listing as it is, with these fields changed."""
    data = actions.listing_input_of(item)
    actions.do_update_listing(item, ListingInput(**{**data.__dict__, **changes}))


def test_edit_keeps_it_visible_and_shows_the_new_price(client: Client, shop: Any) -> None:
    _, item = shop
    _edit(item, price_sat=77_777)
    _shows(client, item, True)
    assert b"77,777" in client.get("/search/").content
    product = next(p for p in client.get("/api/products").json()["data"]
                   if p["id"] == item.public_id)
    assert product["priceSat"] == 77_777


def test_stock_does_not_change_visibility(client: Client, shop: Any) -> None:
    # Sold-out listings stay listed (with a "Sold out" badge): stock is not in the rule.
    _, item = shop
    _edit(item, stock=0)
    _shows(client, item, True)
    assert b"Sold out" in client.get("/search/").content
    _edit(item, stock=5)
    _shows(client, item, True)
    assert b"Sold out" not in client.get("/search/").content


def test_delete_unordered_and_hide_ordered(client: Client, shop: Any) -> None:
    store, item = shop
    assert do_delete_listing(item) == "deleted"
    assert not Listing.objects.filter(pk=item.pk).exists()
    assert item.public_id.encode() not in client.get("/search/").content
    order = make_order(make_account().user, store, title="Ordered scarf")
    ordered = Listing.objects.get(pk=order.items.get().listing_id)
    _shows(client, ordered, True)
    assert do_delete_listing(ordered) == "hidden"
    _shows(client, ordered, False)


def test_block_and_unblock(client: Client, shop: Any) -> None:
    _, item = shop
    staff = operator().user
    do_block_listing(staff, item, "counterfeit")
    _shows(client, item, False)
    # The seller publishing it again does not undo the block.
    do_set_status(Listing.objects.get(pk=item.pk), "active")
    _shows(client, item, False)
    do_unblock_listing(staff, Listing.objects.get(pk=item.pk), "cleared")
    _shows(client, item, True)


def test_store_suspension(client: Client, shop: Any) -> None:
    store, item = shop
    _, other_store = seller("Other shop")
    other = listing(other_store, "Other scarf")
    staff = operator().user
    do_suspend_store(staff, store, "fraud reports")
    _shows(client, item, False)
    _shows(client, other, True)  # only that store's listings
    store.refresh_from_db()
    do_unsuspend_store(staff, store, "resolved")
    _shows(client, item, True)


def test_category_prohibited_and_allowed_again(client: Client, shop: Any) -> None:
    _, item = shop
    cat = Category.objects.get(pk=item.category_id)
    cat.prohibited = True
    cat.save()  # as the operator does in the admin
    _shows(client, item, False)
    assert client.get(f"/c/{cat.slug}/").status_code == 404
    cat.prohibited = False
    cat.save()
    _shows(client, item, True)
    assert client.get(f"/c/{cat.slug}/").status_code == 200


def test_new_and_deleted_category_show_in_the_tree_at_once(client: Client, shop: Any) -> None:
    assert b"/c/knitting/" not in client.get("/").content
    knitting = category("knitting", "Knitting")
    assert b"/c/knitting/" in client.get("/").content
    knitting.delete()
    assert b"/c/knitting/" not in client.get("/").content


def test_featured_set_in_the_admin_shows_on_home(client: Client, shop: Any) -> None:
    _, item = shop
    before = client.get("/").content.decode().count(item.public_id)  # in "newest"
    item.featured = True
    item.save(update_fields=["featured"])  # what the admin's change form does
    assert client.get("/").content.decode().count(item.public_id) == 2 * before


def test_visible_rule_matches_the_in_memory_rule() -> None:
    _, store = seller()
    items = [listing(store, f"Hat {n}") for n in range(3)]
    Listing.objects.filter(pk=items[0].pk).update(blocked=True)
    Listing.objects.filter(pk=items[1].pk).update(status="draft")
    refresh_visibility(Listing.objects.all())
    for row in Listing.objects.select_related("store", "category"):
        assert row.visible is is_visible_now(row)
    assert [row.visible for row in Listing.objects.order_by("id")] == [False, False, True]


# --- paging without an exact count ---------------------------------------------------------

def test_api_page_two_of_a_search_and_past_the_end(client: Client) -> None:
    _, store = seller()
    for n in range(5):
        listing(store, f"Wool hat {n}")
    for url in ("/api/products?q=wool&limit=2&page=2",
                "/api/products?q=wool&sortBy=newest&limit=2&page=2",
                "/api/products?q=wool&sortBy=price&limit=2&page=3",
                "/api/products?category=clothing&limit=2&page=2"):
        body = client.get(url).json()
        assert body["success"], url
        assert body["pagination"]["total"] == 5 and body["pagination"]["totalExact"] is True
        assert body["pagination"]["hasNext"] is ("page=2" in url)
    # A page past the end shows the last one.
    body = client.get("/api/products?q=wool&limit=2&page=9").json()
    assert body["pagination"]["page"] == 3 and len(body["data"]) == 1


def test_capped_count_says_at_least(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cryptoshop.catalog.results.COUNT_CAP", 3)
    _, store = seller()
    for n in range(5):
        listing(store, f"Wool hat {n}")
    body = client.get("/api/products?limit=2&page=2").json()
    # At least 3 (counting stopped there), and a page after this one: at least 3 pages.
    assert body["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 3,
                                  "totalExact": False, "hasNext": True}
    page = client.get("/search/?limit=2&page=2").content.decode()
    assert "3+ listings" in page and 'rel="next"' in page and "of 3+" in page
    last = client.get("/search/?limit=2&page=3").content.decode()
    assert 'rel="next"' not in last and "Wool hat 0" in last


def test_cap_is_large() -> None:
    assert COUNT_CAP == 10_000
