"""Reviews: who may review (completed orders, their buyer, once per item), the edit window,
the seller's one answer, exact aggregates through add/edit/delete/hide/unhide, the rating
sort and filter, privacy (no account or order id anywhere public), query counts, reports
through the staff queue, account deletion."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cryptoshop.catalog.models import Listing
from cryptoshop.core.errors import Conflict, NotFound
from cryptoshop.demo.seed import seed
from cryptoshop.demo.seed_reviews import seed_reviews
from cryptoshop.notifications.models import Notification
from cryptoshop.reviews import actions
from cryptoshop.reviews.models import Review
from cryptoshop.stores.models import Store
from tests.app.reviews_steps import buy, completed_order, digital, reviewed
from tests.factories import make_account, seller

pytestmark = pytest.mark.django_db


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _aggregates(item: Listing) -> tuple[Decimal, int, Decimal, int, list[int]]:
    item.refresh_from_db()
    store = Store.objects.get(pk=item.store_id)
    return (item.rating_avg, item.rating_count, store.rating_avg, store.rating_count,
            store.rating_distribution)


# --- who may review -------------------------------------------------------------------------

def test_only_the_buyer_of_a_completed_order_reviews_each_item_once() -> None:
    buyer, stranger = make_account(), make_account()
    _, store = seller()
    item = digital(store, "An e-book")
    order = buy(buyer.user, item)
    with pytest.raises(Conflict) as refused:
        actions.do_create_review(buyer.user, order, item.public_id, 5, "Great")
    assert refused.value.code == "order_not_completed"
    with pytest.raises(NotFound):
        actions.do_create_review(stranger.user, order, item.public_id, 5, "Mine?")
    completed = completed_order(buyer.user, digital(store, "Another e-book"))
    other = completed.items.get().listing
    actions.do_create_review(buyer.user, completed, other.public_id, 4, "Good")
    with pytest.raises(Conflict) as twice:
        actions.do_create_review(buyer.user, completed, other.public_id, 5, "Again")
    assert twice.value.code == "already_reviewed"
    assert Review.objects.count() == 1


def test_api_names_each_refusal(client: Client) -> None:
    buyer, stranger = make_account(), make_account()
    _, store = seller()
    item = digital(store, "An e-book")
    open_order = buy(buyer.user, item)
    url = f"/api/orders/{open_order.public_id}/reviews"
    body = json.dumps({"productId": item.public_id, "rating": 5, "text": "Great"})
    answer = client.post(url, body, content_type="application/json", headers=_auth(buyer.token))
    assert (answer.status_code, answer.json()["error"]) == (409, "order_not_completed")
    done = completed_order(buyer.user, digital(store, "Done e-book"))
    listing_id = done.items.get().listing.public_id
    url = f"/api/orders/{done.public_id}/reviews"
    body = json.dumps({"productId": listing_id, "rating": 4, "text": "Good read"})
    answer = client.post(url, body, content_type="application/json",
                         headers=_auth(stranger.token))
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    answer = client.post(url, body, content_type="application/json", headers=_auth(buyer.token))
    assert answer.status_code == 201, answer.content
    data = answer.json()["data"]
    assert (data["rating"], data["text"], data["reviewer"]) == (4, "Good read", "verified buyer")
    answer = client.post(url, body, content_type="application/json", headers=_auth(buyer.token))
    assert (answer.status_code, answer.json()["error"]) == (409, "already_reviewed")
    bad = json.dumps({"productId": listing_id, "rating": 6})
    answer = client.post(url, bad, content_type="application/json", headers=_auth(buyer.token))
    assert answer.status_code == 400 and "rating" in answer.json()["details"]


def test_strangers_get_404_for_someone_elses_review_pages(client: Client) -> None:
    buyer, stranger = make_account(), make_account()
    _, store = seller()
    review = reviewed(buyer.user, digital(store, "An e-book"), 5, "Fine")
    client.force_login(stranger.user)
    assert client.get(f"/reviews/{review.public_id}/edit/").status_code == 404
    assert client.post(f"/reviews/{review.public_id}/delete/").status_code == 404
    assert client.post(f"/sell/reviews/{review.public_id}/answer/",
                       {"answer": "Hi"}).status_code == 404
    assert Review.objects.filter(pk=review.pk, answered_at__isnull=True).exists()


def test_edit_window_and_delete(settings: object) -> None:
    buyer = make_account()
    _, store = seller()
    review = reviewed(buyer.user, digital(store, "An e-book"), 2, "Meh")
    actions.do_edit_review(buyer.user, review, 4, "Better on second reading")
    review.refresh_from_db()
    assert (review.rating, review.text, review.edited_at is not None) == (
        4, "Better on second reading", True)
    settings.REVIEW_EDIT_DAYS = 0  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as closed:
        actions.do_edit_review(buyer.user, review, 1, "Changed my mind")
    assert closed.value.code == "edit_window_closed"
    actions.do_delete_review(buyer.user, review)  # deleting is always allowed
    assert not Review.objects.exists()


def test_seller_answers_once_and_both_sides_are_told() -> None:
    buyer = make_account()
    owner, store = seller()
    review = reviewed(buyer.user, digital(store, "An e-book"), 3, "OK")
    received = Notification.objects.get(user=owner.user, kind="review_received")
    assert received.url == "/sell/reviews/"
    actions.do_answer_review(owner.user, review, "Thanks, we'll do better.")
    answered = Notification.objects.get(user=buyer.user, kind="review_answered")
    assert answered.url.endswith("#reviews")
    with pytest.raises(Conflict) as again:
        actions.do_answer_review(owner.user, review, "Second thoughts")
    assert again.value.code == "already_answered"
    review.refresh_from_db()
    assert review.answer == "Thanks, we'll do better."


# --- aggregates -----------------------------------------------------------------------------

def test_aggregates_stay_exact_through_add_edit_delete_hide_unhide() -> None:
    _, store = seller()
    hat, scarf = digital(store, "Hat pattern"), digital(store, "Scarf pattern")
    buyers = [make_account() for _ in range(4)]
    five = reviewed(buyers[0].user, hat, 5)
    four = reviewed(buyers[1].user, hat, 4)
    reviewed(buyers[2].user, hat, 4)
    one = reviewed(buyers[3].user, scarf, 1)
    assert _aggregates(hat) == (Decimal("4.33"), 3, Decimal("3.50"), 4, [1, 0, 0, 2, 1])
    actions.do_edit_review(buyers[1].user, four, 2, "")
    assert _aggregates(hat) == (Decimal("3.67"), 3, Decimal("3.00"), 4, [1, 1, 0, 1, 1])
    actions.do_set_hidden(five, True)
    assert _aggregates(hat) == (Decimal("3.00"), 2, Decimal("2.33"), 3, [1, 1, 0, 1, 0])
    assert actions.do_set_hidden(five, True) is False  # already hidden: nothing recounted
    actions.do_set_hidden(five, False)
    assert _aggregates(hat) == (Decimal("3.67"), 3, Decimal("3.00"), 4, [1, 1, 0, 1, 1])
    actions.do_delete_review(buyers[3].user, one)
    assert _aggregates(scarf)[:2] == (Decimal("0.00"), 0)
    assert _aggregates(hat) == (Decimal("3.67"), 3, Decimal("3.67"), 3, [0, 1, 0, 1, 1])


def test_product_and_seller_api_show_the_real_aggregates(client: Client) -> None:
    _, store = seller()
    hat = digital(store, "Hat pattern")
    reviewed(make_account().user, hat, 5, "Lovely")
    reviewed(make_account().user, hat, 2, "Too small")
    product = client.get(f"/api/products/{hat.public_id}").json()["data"]
    assert (product["ratingAvg"], product["ratingCount"]) == ("3.50", 2)
    shop = client.get(f"/api/sellers/{store.public_id}").json()["data"]
    assert (shop["ratingAvg"], shop["ratingCount"], shop["ratingDistribution"]) == (
        "3.50", 2, [0, 1, 0, 0, 1])
    page = client.get(f"/api/products/{hat.public_id}/reviews").json()
    assert page["summary"] == {"average": "3.50", "count": 2,
                               "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}}
    assert [r["text"] for r in page["data"]] == ["Too small", "Lovely"]  # newest first
    theirs = client.get(f"/api/sellers/{store.slug}/reviews").json()
    assert theirs["summary"]["count"] == 2 and theirs["pagination"]["total"] == 2


# --- rating sort and filter -----------------------------------------------------------------

def _rated_shop() -> dict[str, Listing]:
    _, store = seller()
    items = {name: digital(store, f"Rated {name}") for name in ("one", "pair", "three", "none")}
    reviewed(make_account().user, items["one"], 5)
    reviewed(make_account().user, items["pair"], 5)
    reviewed(make_account().user, items["pair"], 5)
    reviewed(make_account().user, items["three"], 3)
    return items


def test_rating_sort_and_min_rating_in_the_api(client: Client) -> None:
    _rated_shop()
    titles = [p["title"] for p in
              client.get("/api/products?sortBy=rating&q=rated").json()["data"]]
    assert titles == ["Rated pair", "Rated one", "Rated three", "Rated none"]
    worst = [p["title"] for p in client.get(
        "/api/products?sortBy=rating&sortOrder=asc&q=rated").json()["data"]]
    assert worst == ["Rated three", "Rated pair", "Rated one", "Rated none"]
    good = [p["title"] for p in client.get(
        "/api/products?minRating=4&sortBy=rating").json()["data"]]
    assert good == ["Rated pair", "Rated one"]
    for bad in ("9", "abc", "0"):
        answer = client.get(f"/api/products?minRating={bad}")
        assert answer.status_code == 400 and "minRating" in answer.json()["details"]


def test_rating_sort_and_filter_on_the_pages(client: Client) -> None:
    _rated_shop()
    html = client.get("/search/?q=rated&sortBy=rating").content.decode()
    positions = [html.index(f"Rated {n}") for n in ("pair", "one", "three", "none")]
    assert positions == sorted(positions)
    html = client.get("/search/?q=rated&minRating=3").content.decode()
    assert "Rated three" in html and "Rated none" not in html
    assert 'value="3" selected' in html  # the form shows the filter in use
    html = client.get("/search/?q=rated&minRating=9").content.decode()
    assert "Minimum rating “9” ignored" in html and "Rated none" in html


# --- pages, privacy, query counts -----------------------------------------------------------

def test_review_from_the_order_page_shows_on_the_listing_without_ids(client: Client) -> None:
    buyer = make_account("jane_public")
    _, store = seller()
    item = digital(store, "An e-book")
    order = completed_order(buyer.user, item)
    client.force_login(buyer.user)
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    assert "Review your items" in page and 'name="rating"' in page
    response = client.post(f"/reviews/new/{order.public_id}/{item.public_id}/",
                           {"rating": "4", "text": "Worth every sat."})
    assert response.status_code == 302
    review = Review.objects.get()
    month = review.created_at.strftime("%B %Y")
    client.logout()
    public = [client.get(f"/l/{item.public_id}/{item.slug}/").content.decode(),
              client.get(f"/s/{store.slug}/").content.decode(),
              client.get(f"/api/products/{item.public_id}/reviews").content.decode(),
              client.get(f"/api/sellers/{store.public_id}/reviews").content.decode()]
    assert "Worth every sat." in public[0] and f"Verified buyer · {month}" in public[0]
    assert "Worth every sat." in public[1]
    for text in public:
        for secret in (order.public_id, buyer.user.public_id, "jane_public"):
            assert secret not in text
    assert review.created_at.isoformat()[:16] not in public[2]  # the month, not the time


def test_invalid_review_form_says_why_and_keeps_the_order_page_form(client: Client) -> None:
    buyer = make_account()
    _, store = seller()
    item = digital(store, "An e-book")
    order = completed_order(buyer.user, item)
    client.force_login(buyer.user)
    response = client.post(f"/reviews/new/{order.public_id}/{item.public_id}/", {"text": "x"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not Review.objects.exists()


def _queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_review_lists_take_the_same_queries_for_one_review_or_many(client: Client) -> None:
    _, store = seller()
    item = digital(store, "An e-book")
    reviewed(make_account().user, item, 5, "First")
    urls = [f"/l/{item.public_id}/{item.slug}/", f"/s/{store.slug}/",
            f"/s/{store.slug}/reviews/", f"/api/products/{item.public_id}/reviews",
            f"/api/sellers/{store.public_id}/reviews"]
    client.get("/search/?kind=physical")  # the category tree is cached (ADR 15) from here on
    one = [_queries_for(client, url) for url in urls]
    for n in range(4):
        reviewed(make_account().user, item, 1 + n, f"More {n}")
    assert [_queries_for(client, url) for url in urls] == one


def test_demo_data_has_reviews_that_match_the_aggregates(client: Client) -> None:
    seed()
    assert Review.objects.count() >= 10
    for item in Listing.objects.filter(rating_count__gt=0):
        mine = Review.objects.filter(listing=item, hidden=False)
        assert item.rating_count == mine.count()
        total = sum(r.rating for r in mine)
        assert item.rating_avg == (Decimal(total) / mine.count()).quantize(Decimal("0.01"))
    titles = [p["title"] for p in client.get("/api/products?sortBy=rating").json()["data"]]
    assert titles[0] == Listing.objects.order_by("-rating_avg", "-rating_count",
                                                 "-created_at").first().title
    assert seed_reviews() == 0  # idempotent
