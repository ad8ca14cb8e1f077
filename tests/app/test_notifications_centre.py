"""The notification centre: the page (newest first, unread marked, paginated, POST-only
marking), the header badge, the API (others' notices are 404), query counts, and which
notices each order, payment, escrow and report step produces — exactly those, once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cryptoshop.accounts.models import User
from cryptoshop.escrow.disputes import do_open_dispute
from cryptoshop.escrow.models import Escrow
from cryptoshop.moderation import actions as moderation
from cryptoshop.notifications.actions import do_notify, purge_old_notices
from cryptoshop.notifications.kinds import KINDS
from cryptoshop.notifications.models import Notification
from cryptoshop.orders import actions as order_actions
from cryptoshop.orders.models import Order
from cryptoshop.payments import actions as pay
from cryptoshop.payments.models import Payment
from tests.app.reviews_steps import digital, reviewed
from tests.factories import (
    Account,
    listing,
    make_account,
    make_order,
    open_escrow,
    operator,
    payout,
    seller,
    seller_tpub,
)
from tests.factories import invoice as make_invoice
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db


def kinds_of(user: User) -> Counter[str]:
    return Counter(Notification.objects.filter(user=user).values_list("kind", flat=True))


def notices(user: User, n: int, *, url: str = "/orders/") -> list[Notification]:
    return [do_notify(user, "order_shipped", f"Title {i}", f"Message {i}", url=url,
                      severity="success") for i in range(n)]


def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def bearer(acct: Account) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {acct.token}"}


# --- the page --------------------------------------------------------------------------------

def test_the_page_lists_newest_first_marks_unread_and_never_marks_on_get(client: Client) -> None:
    me = make_account().user
    first, second = notices(me, 2)
    Notification.objects.filter(pk=first.pk).update(read=True)
    page = logged_in(client, me).get("/notifications/")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("Title 1") < text.index("Title 0")  # newest first
    assert text.count('data-read="false"') == 1 and 'data-read="true"' in text
    assert "Message 1" in text and 'data-severity="success"' in text and "<time" in text
    assert f'action="/notifications/{second.pk}/open/"' in text
    assert Notification.objects.get(pk=second.pk).read is False  # looking marks nothing


def test_empty_state_and_the_unread_filter(client: Client) -> None:
    me = make_account().user
    assert "No notifications yet" in logged_in(client, me).get("/notifications/").content.decode()
    read = notices(me, 1)[0]
    Notification.objects.filter(pk=read.pk).update(read=True)
    assert "Nothing unread" in client.get("/notifications/?unread=1").content.decode()


def test_pagination(client: Client) -> None:
    me = make_account().user
    notices(me, 25)
    first = logged_in(client, me).get("/notifications/").content.decode()
    assert "Title 24" in first and "Title 4" not in first and "Page 1 of 2" in first
    assert "Title 4" in client.get("/notifications/?page=2").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    assert client.get("/notifications/").status_code == 302


def test_marking_read_is_post_only_and_one_at_a_time(client: Client) -> None:
    me = make_account().user
    one, two = notices(me, 2)
    logged_in(client, me)
    assert client.get(f"/notifications/{one.pk}/read/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    response = client.post(f"/notifications/{one.pk}/read/", {"next": "/notifications/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    assert Notification.objects.get(pk=one.pk).read and not Notification.objects.get(pk=two.pk).read
    client.post("/notifications/read-all/", {"next": "https://evil.example/"})
    assert not Notification.objects.filter(user=me, read=False).exists()


def test_opening_a_notice_marks_it_read_and_goes_to_its_link_on_this_site(client: Client) -> None:
    me = make_account().user
    ours = notices(me, 1, url="/orders/o_x/")[0]
    elsewhere = notices(me, 1, url="https://evil.example/")[0]
    logged_in(client, me)
    assert client.post(f"/notifications/{ours.pk}/open/")["Location"] == "/orders/o_x/"
    assert Notification.objects.get(pk=ours.pk).read
    assert client.post(f"/notifications/{elsewhere.pk}/open/")["Location"] == "/notifications/"


def test_someone_elses_notice_is_404_and_stays_unread(client: Client) -> None:
    theirs = notices(make_account().user, 1)[0]
    logged_in(client, make_account().user)
    for action in ("read", "open"):
        assert client.post(f"/notifications/{theirs.pk}/{action}/").status_code == 404
    assert not Notification.objects.get(pk=theirs.pk).read


def test_the_page_makes_the_same_queries_for_5_and_15_notices(client: Client) -> None:
    me = make_account().user
    logged_in(client, me)
    notices(me, 5)
    client.get("/notifications/")
    # session, user, count and page of notices, then the layout: cart, badge, "is a seller"
    # 8: session, user, count, page, cart, the header's two unread counts, seller check.
    with assert_database_query_count(8):
        assert client.get("/notifications/").status_code == 200
    notices(me, 10)
    with assert_database_query_count(8):
        assert client.get("/notifications/").status_code == 200


# --- the badge and the seller dashboard ------------------------------------------------------

def test_the_header_badge_counts_unread_for_logged_in_users_only(client: Client) -> None:
    assert "data-notify-badge" not in client.get("/").content.decode()
    me = make_account().user
    notices(me, 3)
    Notification.objects.filter(user=me).filter(pk=Notification.objects.filter(user=me)
                                                 .first().pk).update(read=True)  # type: ignore[union-attr]
    page = logged_in(client, me).get("/").content.decode()
    assert 'data-notify-badge' in page and 'data-unread="2"' in page
    assert 'aria-label="Notifications, 2 unread"' in page and "js/notifications.js" in page
    assert 'id="notify-toast"' in page and 'aria-live="polite"' in page


def test_the_badge_costs_one_query(client: Client) -> None:
    me = make_account().user
    notices(me, 3)
    logged_in(client, me)
    client.get("/")
    # session, user, cart, badge, unread messages, seller; the home page's listings and
    # categories come from the catalogue cache (ADR 15)
    with assert_database_query_count(6) as queries:
        client.get("/")
    touching = [q["sql"] for q in queries.captured_queries if "payments_notification" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("SELECT COUNT(*)")


def test_the_seller_dashboard_shows_notices_without_marking_them(client: Client) -> None:
    owner, _store = seller()
    notices(owner.user, 2)
    page = logged_in(client, owner.user).get("/sell/").content.decode()
    assert "Title 1" in page and 'href="/notifications/"' in page
    assert Notification.objects.filter(user=owner.user, read=False).count() == 2


# --- the API ---------------------------------------------------------------------------------

def test_api_lists_reads_and_filters(client: Client) -> None:
    me = make_account()
    one, two, three = notices(me.user, 3)
    body = client.get("/api/notifications?limit=2", **bearer(me)).json()
    assert body["success"] and body["pagination"] == {"page": 1, "limit": 2, "total": 3,
                                                      "pages": 2, "totalExact": True,
                                                      "hasNext": True}
    assert [n["id"] for n in body["data"]] == [three.pk, two.pk]
    assert set(body["data"][0]) == {"id", "type", "title", "message", "severity", "link",
                                    "read", "createdAt"}
    read = client.post(f"/api/notifications/{one.pk}/read", **bearer(me)).json()
    assert read["data"]["read"] is True
    unread = client.get("/api/notifications?unread=true", **bearer(me)).json()
    assert [n["id"] for n in unread["data"]] == [three.pk, two.pk]
    done = client.post("/api/notifications/read-all", **bearer(me)).json()
    assert done["data"] == {"marked": 2, "unread": 0}
    assert client.get("/api/notifications?unread=true", **bearer(me)).json()["data"] == []


def test_api_others_notices_are_404_and_anonymous_is_401(client: Client) -> None:
    theirs = notices(make_account().user, 1)[0]
    me = make_account()
    response = client.post(f"/api/notifications/{theirs.pk}/read", **bearer(me))
    assert response.status_code == 404 and response.json()["success"] is False
    assert not Notification.objects.get(pk=theirs.pk).read
    assert client.post("/api/notifications/999999/read", **bearer(me)).status_code == 404
    assert client.get("/api/notifications").status_code == 401
    assert client.get("/api/notifications", **bearer(me)).json()["data"] == []


# --- which notices each step makes -----------------------------------------------------------

@pytest.fixture
def shop() -> tuple[User, User, Any]:
    owner, store = seller(shipping_sat=0)
    return make_account().user, owner.user, store


def test_every_kind_used_has_a_label() -> None:
    for kind in ("message_new", "review_received", "review_answered", "ticket_replied",
                 "ticket_opened", "order_refunded", "refund_seen", "order_placed",
                 "order_shipped", "payment_detected", "payment_confirmed", "escrow_funded",
                 "escrow_signature_needed", "escrow_released", "escrow_refunded",
                 "escrow_disputed", "escrow_decided", "report_decided"):
        assert KINDS[kind]


def test_placed_shipped_completed(shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    order = make_order(buyer, store, kind="physical")
    assert kinds_of(owner) == {"order_placed": 1} and kinds_of(buyer) == {}
    order_actions.do_mark_paid(order)  # the payments layer's notices are tested below
    assert kinds_of(owner) == {"order_placed": 1} and kinds_of(buyer) == {}
    order_actions.do_mark_shipped(order, owner, "tracking 123")
    assert kinds_of(buyer) == {"order_shipped": 1}
    shipped = Notification.objects.get(user=buyer)
    assert shipped.url == f"/orders/{order.public_id}/" and shipped.severity == "success"
    order_actions.do_confirm_received(order, buyer)
    assert kinds_of(owner) == {"order_placed": 1, "order_completed": 1}
    assert kinds_of(buyer) == {"order_shipped": 1}


def test_cancelled_tells_the_other_party(shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    by_buyer = make_order(buyer, store)
    order_actions.do_cancel(by_buyer, buyer, role="buyer")
    assert kinds_of(owner)["order_cancelled"] == 1 and kinds_of(buyer) == {}
    by_seller = make_order(buyer, store)
    order_actions.do_cancel(by_seller, owner, role="seller")
    assert kinds_of(buyer) == {"order_cancelled": 1} and kinds_of(owner)["order_cancelled"] == 1


def test_expired_tells_the_buyer(shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    make_order(buyer, store)
    assert order_actions.expire_reservations(timezone.now() + timedelta(days=1)) == 1
    assert kinds_of(buyer) == {"order_expired": 1} and kinds_of(owner) == {"order_placed": 1}


def test_an_escrow_payout_closes_the_order_without_order_notices(
        shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    order = make_order(buyer, store)
    order_actions.do_mark_paid(order)
    assert order_actions.do_close_by_escrow(order, Order.Status.REFUNDED, "escrow refund")
    assert kinds_of(buyer) == {} and kinds_of(owner) == {"order_placed": 1}


@pytest.fixture
def node_configured(settings: Any) -> None:
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"


def test_payment_seen_then_confirmed(node_configured: None, shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    payout(store, seller_tpub(5))
    order = make_order(buyer, store)
    inv = make_invoice(order, buyer)
    # The payment row as the watcher records it (no node here): in the mempool first.
    seen = Payment.objects.create(invoice=inv, txid="ab" * 32, vout=0, value_sat=inv.amount_sat)
    assert pay.apply_state(inv, 100)
    assert kinds_of(buyer) == {"payment_detected": 1}
    Payment.objects.filter(pk=seen.pk).update(block_height=101, state="confirmed")
    assert pay.apply_state(inv, 101)
    assert kinds_of(buyer) == {"payment_detected": 1, "payment_confirmed": 1}
    assert kinds_of(owner) == {"order_placed": 1, "order_paid": 1}
    assert not pay.apply_state(inv, 101)  # nothing new: no second notice
    assert kinds_of(buyer)["payment_confirmed"] == 1


def test_escrow_dispute_tells_the_other_party_and_staff(shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    staff = operator().user
    escrow = open_escrow(make_order(buyer, store), Escrow.Status.FUNDED)
    do_open_dispute(escrow, buyer, "It never arrived, and the seller is silent.")
    assert kinds_of(owner)["escrow_disputed"] == 1 and "escrow_disputed" not in kinds_of(buyer)
    assert kinds_of(staff) == {"escrow_disputed": 1}


def test_a_report_decided_tells_the_seller_why(shop: tuple[User, User, Any]) -> None:
    _buyer, owner, store = shop
    staff = operator().user
    item = listing(store, "Fake watch")
    report = moderation.do_report_listing(None, item, "scam", "fake", "203.0.113.9")
    moderation.do_act_on_report(staff, report, "block_listing", "counterfeit goods")
    notice = Notification.objects.get(user=owner, kind="report_decided")
    assert "Fake watch" in notice.text and "counterfeit goods" in notice.text
    assert notice.severity == "error"


# --- live order pages ------------------------------------------------------------------------

REFRESH = '<meta http-equiv="refresh" content="30">'


def test_order_pages_follow_order_updated_and_refresh_only_while_waiting(
        client: Client, shop: tuple[User, User, Any]) -> None:
    buyer, owner, store = shop
    order = make_order(buyer, store, kind="physical")
    buyer_client, seller_client = Client(), Client()
    buyer_client.force_login(buyer)
    seller_client.force_login(owner)
    mine = f"/orders/{order.public_id}/"
    theirs = f"/sell/orders/{order.public_id}/"
    page = buyer_client.get(mine).content.decode()
    assert f'data-live-rooms="order-{order.public_id}"' in page
    assert f'data-live-refresh="{mine}" data-live-select="#order-live"' in page
    assert REFRESH not in page  # unpaid: the cancel form may be in use
    order_actions.do_mark_paid(order)
    assert REFRESH in buyer_client.get(mine).content.decode()  # waiting for the seller
    assert REFRESH not in seller_client.get(theirs).content.decode()  # the ship form
    order_actions.do_mark_shipped(order, owner, "")
    assert REFRESH in seller_client.get(theirs).content.decode()
    listing_page = seller_client.get("/sell/orders/").content.decode()
    assert f'data-live-rooms="user-{owner.public_id}"' in listing_page
    assert 'data-live-events="order:updated"' in listing_page


def test_notices_are_deleted_on_the_order_details_schedule(settings: Any) -> None:
    """A notice names an order and a store: ORDER_PURGE_DAYS after it was sent it is gone,
    read or not; newer ones stay."""
    me = make_account().user
    old = do_notify(me, "order_shipped", "Order shipped", "Old news")
    fresh = do_notify(me, "order_paid", "Order paid", "New news")
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.ORDER_PURGE_DAYS, minutes=1))
    assert purge_old_notices() == 1
    assert list(Notification.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert purge_old_notices() == 0


def test_a_live_refetch_leaves_the_flash_message_for_the_real_page(client: Client) -> None:
    """live.js re-fetches pages to swap a part in; if such a fetch lands between a form's
    POST and its redirect, the "done" message must still reach the page the user sees."""
    _, store = seller()
    item = digital(store, "A field guide")
    me = make_account().user
    review = reviewed(me, item, 4, "Good")
    logged_in(client, me)
    response = client.post(f"/reviews/{review.public_id}/delete/")
    assert response.status_code == 302
    live = client.get(response["Location"], headers={"X-Requested-With": "live"})
    assert live.status_code == 200 and "Your review is deleted." not in live.content.decode()
    assert "Your review is deleted." in client.get(response["Location"]).content.decode()
