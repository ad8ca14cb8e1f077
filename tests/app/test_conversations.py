"""Conversations: order threads and listing questions, through the pages (JavaScript off),
the API and the actions. Strangers get 404 for everything; a blocked asker can't write; a
reported message is hidden from the staff queue, audited; unread counts; rate limits; the
inbox's query count doesn't grow with threads; the purge; the dispute-message migration."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from cryptoshop.catalog.models import Listing
from cryptoshop.conversations import actions
from cryptoshop.conversations.access import threads_of, unread_total
from cryptoshop.conversations.models import Message, Thread
from cryptoshop.escrow.disputes import do_open_dispute
from cryptoshop.escrow.models import Escrow
from cryptoshop.moderation.models import AuditEntry, Report
from cryptoshop.notifications.models import Notification
from cryptoshop.orders.models import Order
from tests.app.conftest import csrf_from
from tests.app.moderation_setup import log_in
from tests.factories import (
    Account,
    listing,
    make_account,
    make_order,
    open_escrow,
    operator,
    png_bytes,
    seller,
)
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db


def browser(acct: Account | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if acct is not None:
        client.force_login(acct.user)
    return client


def form_post(client: Client, url: str, data: dict[str, Any], page: str = "/messages/") -> Any:
    token = csrf_from(client.get(page).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def api(client: Client, method: str, url: str, acct: Account, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {acct.token}"}
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def photo(name: str = "p.png") -> io.BytesIO:
    data = io.BytesIO(png_bytes())
    data.name = name
    return data


def ask(client: Client, item: Listing, text: str, **extra: Any) -> Any:
    url = f"/messages/ask/{item.public_id}/"
    return form_post(client, url, {"text": text, **extra}, page=url)


@pytest.fixture
def shop() -> tuple[Account, Listing]:
    owner, store = seller("Question Store")
    return owner, listing(store, "Grey wool scarf")


# --- asking from a listing, answering, unread counts -------------------------------------------

def test_a_visitor_is_sent_to_log_in_and_back(shop: tuple[Account, Listing]) -> None:
    _owner, item = shop
    page = Client().get(f"/l/{item.public_id}/", follow=True).content.decode()
    assert f'href="/messages/ask/{item.public_id}/"' in page
    answer = Client().get(f"/messages/ask/{item.public_id}/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/login/?next=/messages/ask/{item.public_id}/"


def test_question_answer_and_unread_counts_with_javascript_off(
        shop: tuple[Account, Listing]) -> None:
    owner, item = shop
    buyer = make_account()
    asker = browser(buyer)
    sent = ask(asker, item, "Is it machine washable?")
    assert sent.status_code == 302
    thread = Thread.objects.get(buyer=buyer.user, listing=item)
    assert sent["Location"] == f"/messages/{thread.public_id}/"
    assert thread.kind == "question" and thread.subject == "Grey wool scarf"
    # Asking again goes to the same thread.
    assert asker.get(f"/messages/ask/{item.public_id}/")["Location"] == sent["Location"]
    # The seller: one unread in the header and the inbox, a notice with a link, no text.
    assert unread_total(owner.user) == 1
    seller_page = browser(owner)
    inbox = seller_page.get("/messages/").content.decode()
    assert "Grey wool scarf" in inbox and "1 new" in inbox
    assert '1<span class="sr-only"> unread</span>' in inbox  # the header's count
    notice = Notification.objects.get(user=owner.user, kind="message_new")
    assert notice.title == "New message" and notice.url == f"/messages/{thread.public_id}/"
    assert "washable" not in notice.text
    # Reading clears it; answering makes one unread for the buyer.
    page = seller_page.get(f"/messages/{thread.public_id}/").content.decode()
    assert "Is it machine washable?" in page and unread_total(owner.user) == 0
    assert "<strong>\n    Buyer</strong>" in page and "{{" not in page
    reply = form_post(seller_page, f"/messages/{thread.public_id}/",
                      {"text": "Yes, at 30 °C.", "photo": photo()})
    assert reply.status_code == 302 and reply["Location"].endswith("#latest")
    assert unread_total(buyer.user) == 1 and unread_total(owner.user) == 0
    shown = asker.get(f"/messages/{thread.public_id}/").content.decode()
    assert "Yes, at 30 °C." in shown and "Question Store (seller)" in shown
    assert unread_total(buyer.user) == 0
    # The text is encrypted at rest (bound to conversations.Message.body).
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM conversations_message")
        raw = [row[0] for row in cursor.fetchall()]
    assert len(raw) == 2 and all(v.startswith("v1:") and "30" not in v for v in raw)


def test_empty_and_invalid_messages_are_form_errors(shop: tuple[Account, Listing]) -> None:
    _owner, item = shop
    asker = browser(make_account())
    empty = ask(asker, item, "   ")
    assert empty.status_code == 400 and "Write a message" in empty.content.decode()
    junk = io.BytesIO(b"not an image")
    junk.name = "x.png"
    bad = ask(asker, item, "with junk", photo=junk)
    assert bad.status_code == 400 and not Thread.objects.exists()
    too_long = ask(asker, item, "x" * 4001)
    assert too_long.status_code == 400
    own = form_post(browser(_owner), f"/messages/ask/{item.public_id}/", {"text": "my own?"})
    assert own.status_code == 302 and not Thread.objects.exists()


def test_order_pages_link_to_the_thread_with_an_unread_count() -> None:
    buyer = make_account()
    owner, store = seller("Order Store")
    order = make_order(buyer.user, store)
    buyer_page = browser(buyer)
    html = buyer_page.get(f"/orders/{order.public_id}/").content.decode()
    assert "Message the seller" in html and f'href="/messages/order/{order.public_id}/"' in html
    opened = buyer_page.get(f"/messages/order/{order.public_id}/")
    thread = Thread.objects.get(order=order)
    assert opened["Location"] == f"/messages/{thread.public_id}/"
    form_post(buyer_page, f"/messages/{thread.public_id}/", {"text": "When does it ship?"})
    seller_html = browser(owner).get(f"/sell/orders/{order.public_id}/").content.decode()
    assert "Message the buyer" in seller_html
    assert 'data-testid="order-thread-unread">1<' in seller_html


# --- who may see what ----------------------------------------------------------------------------

def test_strangers_get_404_for_threads_messages_photos_and_the_api(
        trio: tuple[Any, ...]) -> None:
    buyer, owner, stranger, order = trio
    buyer_page = browser(buyer)
    buyer_page.get(f"/messages/order/{order.public_id}/")
    thread = Thread.objects.get(order=order)
    form_post(buyer_page, f"/messages/{thread.public_id}/", {"text": "Photo", "photo": photo()})
    message = Message.objects.get(thread=thread)
    assert message.attachment.startswith("messages/")
    tid, mid = thread.public_id, message.public_id
    urls = [f"/messages/{tid}/", f"/messages/{tid}/messages/", f"/messages/{tid}/photo/{mid}/",
            f"/messages/{tid}/photo/{mid}/thumb/", f"/messages/order/{order.public_id}/",
            f"/moderation/report/message/{mid}/"]
    assert browser(owner).get(urls[2]).status_code == 200
    outsider = browser(stranger)
    staff = Client()
    log_in(staff, operator())  # staff outside a dispute are strangers here too
    for client in (outsider, staff):
        for url in urls:
            assert client.get(url).status_code == 404, url
    assert form_post(outsider, f"/messages/{tid}/", {"text": "hi"}).status_code == 404
    assert form_post(outsider, f"/messages/{tid}/block/", {"blocked": "1"}).status_code == 404
    assert Client().get("/media/" + message.attachment).status_code == 404
    api_client = Client()
    for method in ("get", "post"):
        answer = api(api_client, method, f"/api/orders/{order.public_id}/messages", stranger,
                     {"text": "hi"})
        assert answer.status_code == 404 and answer.json()["success"] is False
    assert api(api_client, "get", "/api/conversations", stranger).json()["data"] == []
    assert Message.objects.count() == 1


def test_a_buyer_cannot_read_another_buyers_question(shop: tuple[Account, Listing]) -> None:
    _owner, item = shop
    first, second = make_account(), make_account()
    ask(browser(first), item, "First buyer's question")
    ask(browser(second), item, "Second buyer's question")
    theirs = Thread.objects.get(buyer=first.user)
    other = browser(second)
    assert other.get(f"/messages/{theirs.public_id}/").status_code == 404
    inbox = other.get("/messages/").content.decode()
    assert "Second buyer" not in inbox  # the inbox shows subjects, never text
    assert [t.buyer_id for t in threads_of(second.user)] == [second.user.pk]


def test_the_arbiter_reads_and_writes_only_while_the_dispute_is_open(
        trio: tuple[Any, ...]) -> None:
    buyer, _owner, _stranger, order = trio
    escrow = open_escrow(order, Escrow.Status.FUNDED)
    arbiter = operator()
    staff = Client()
    log_in(staff, arbiter)
    assert staff.get(f"/messages/order/{order.public_id}/").status_code == 404
    do_open_dispute(escrow, buyer.user, "It never arrived, three weeks on.")
    opened = staff.get(f"/messages/order/{order.public_id}/")
    assert opened.status_code == 302
    page = staff.get(opened["Location"]).content.decode()
    assert "arbiter of" in page
    said = form_post(staff, opened["Location"], {"text": "Please both send photos."})
    assert said.status_code == 302
    assert Message.objects.get(thread__order=order).author_role == "arbiter"
    escrow.dispute.status = "closed"
    escrow.dispute.save(update_fields=["status"])
    assert staff.get(opened["Location"]).status_code == 404


# --- block, report, moderation --------------------------------------------------------------------

def test_the_seller_blocks_an_asker(shop: tuple[Account, Listing]) -> None:
    owner, item = shop
    buyer = make_account()
    asker = browser(buyer)
    ask(asker, item, "Cheaper if I buy ten?")
    thread = Thread.objects.get(buyer=buyer.user)
    url = f"/messages/{thread.public_id}/"
    assert form_post(asker, url + "block/", {"blocked": "1"}).status_code == 404  # not theirs
    seller_page = browser(owner)
    assert form_post(seller_page, url + "block/", {"blocked": "1"}).status_code == 302
    page = asker.get(url).content.decode()
    assert "The seller closed this conversation." in page and "<textarea" not in page
    refused = form_post(asker, url, {"text": "Hello?"})
    assert refused.status_code == 409 and "closed this conversation" in refused.content.decode()
    again = form_post(asker, f"/messages/ask/{item.public_id}/", {"text": "Hello again?"}, page=url)
    assert again.status_code == 409
    assert Message.objects.filter(thread=thread).count() == 1
    # The seller may still write, and reopen.
    assert form_post(seller_page, url, {"text": "No discounts."}).status_code == 302
    form_post(seller_page, url + "block/", {"blocked": "0"})
    assert form_post(asker, url, {"text": "Fine, thanks."}).status_code == 302


def test_an_order_thread_cannot_be_blocked(trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    thread, _ = actions.order_thread_for(buyer.user, order.public_id)
    assert thread is not None
    answer = form_post(browser(owner), f"/messages/{thread.public_id}/block/", {"blocked": "1"},
                       page=f"/messages/{thread.public_id}/")
    assert answer.status_code == 302
    thread.refresh_from_db()
    assert not thread.blocked


def test_report_queue_hide_is_audited(shop: tuple[Account, Listing]) -> None:
    owner, item = shop
    buyer = make_account()
    asker = browser(buyer)
    ask(asker, item, "Hello")
    thread = Thread.objects.get(buyer=buyer.user)
    seller_page = browser(owner)
    form_post(seller_page, f"/messages/{thread.public_id}/", {"text": "Pay me off-site instead."})
    bad = Message.objects.get(author_role="seller")
    mine = Message.objects.get(author_role="buyer")
    report_url = f"/moderation/report/message/{bad.public_id}/"
    assert f'href="{report_url}"' in asker.get(f"/messages/{thread.public_id}/").content.decode()
    own = form_post(asker, f"/moderation/report/message/{mine.public_id}/",
                    {"reason": "scam"}, page=report_url)
    assert own.status_code == 400  # not one's own message
    sent = form_post(asker, report_url, {"reason": "scam", "text": "Asks to pay elsewhere."},
                     page=report_url)
    assert sent.status_code == 302 and sent["Location"] == f"/messages/{thread.public_id}/"
    twice = form_post(asker, report_url, {"reason": "scam"}, page=report_url)
    assert twice.status_code == 409
    report = Report.objects.get()
    assert (report.subject_type, report.subject_id, report.listing) == ("message", bad.public_id,
                                                                        None)
    staff = Client()
    log_in(staff, operator())
    queue = staff.get("/moderation/queue/").content.decode()
    assert "Pay me off-site instead." in queue and 'value="hide_message"' in queue
    token = csrf_from(queue)
    done = staff.post(f"/moderation/queue/{report.pk}/act/", {
        "csrfmiddlewaretoken": token, "action": "hide_message", "reason": "Off-site payment"})
    assert done.status_code == 302
    bad.refresh_from_db()
    report.refresh_from_db()
    assert bad.hidden and report.status == "actioned"
    hide = AuditEntry.objects.get(action="message.hide")
    assert (hide.target_type, hide.target_id, hide.reason) == (
        "conversations.message", bad.public_id, "Off-site payment")
    assert AuditEntry.objects.filter(action="report.action").count() == 1
    page = asker.get(f"/messages/{thread.public_id}/").content.decode()
    assert "hidden by a moderator" in page and "off-site" not in page
    order_api = api(Client(), "get", "/api/conversations", buyer).json()
    assert order_api["data"][0]["id"] == thread.public_id


def test_ban_author_from_the_queue(shop: tuple[Account, Listing]) -> None:
    owner, item = shop
    buyer = make_account()
    ask(browser(buyer), item, "Rude words here")
    message = Message.objects.get()
    reporter = browser(owner)
    url = f"/moderation/report/message/{message.public_id}/"
    form_post(reporter, url, {"reason": "offensive"}, page=url)
    report = Report.objects.get()
    staff = Client()
    log_in(staff, operator())
    token = csrf_from(staff.get("/moderation/queue/").content.decode())
    staff.post(f"/moderation/queue/{report.pk}/act/", {
        "csrfmiddlewaretoken": token, "action": "ban_author", "reason": "Abusive"})
    buyer.user.refresh_from_db()
    message.refresh_from_db()
    assert message.hidden and not buyer.user.is_active
    assert {e.action for e in AuditEntry.objects.all()} >= {"message.hide", "account.ban",
                                                           "report.action"}


# --- rate limits, API, query counts, purge ------------------------------------------------------

def test_new_threads_and_messages_are_rate_limited(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "conversations:thread": (2, 3600),
                            "conversations:message": (3, 60)}
    _owner, store = seller("Busy Store")
    items = [listing(store, f"Item {n}") for n in range(3)]
    asker = browser(make_account())
    assert ask(asker, items[0], "one").status_code == 302
    assert ask(asker, items[1], "two").status_code == 302
    limited = ask(asker, items[2], "three")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    thread = Thread.objects.filter(listing=items[0]).get()
    assert form_post(asker, f"/messages/{thread.public_id}/", {"text": "x"}).status_code == 302
    assert form_post(asker, f"/messages/{thread.public_id}/", {"text": "y"}).status_code == 429
    assert Thread.objects.count() == 2 and Message.objects.count() == 3


def test_the_api_reads_and_writes_the_order_thread(client: Client,
                                                   trio: tuple[Any, ...]) -> None:
    buyer, owner, _stranger, order = trio
    url = f"/api/orders/{order.public_id}/messages"
    empty = api(client, "get", url, buyer).json()["data"]
    assert empty == {"threadId": None, "role": "buyer", "blocked": False, "messages": []}
    assert not Thread.objects.exists()  # reading doesn't make one
    made = api(client, "post", url, buyer, {"text": "Where is it?"})
    assert made.status_code == 201
    body = made.json()["data"]
    assert body["role"] == "buyer" and body["mine"] and body["text"] == "Where is it?"
    assert body["id"].startswith("m_") and not body["hasPhoto"]
    listed = api(client, "get", "/api/conversations", owner).json()
    assert listed["pagination"]["total"] == 1
    assert listed["data"][0]["unread"] == 1 and listed["data"][0]["orderId"] == order.public_id
    assert listed["data"][0]["role"] == "seller"
    seen = api(client, "get", url, owner).json()["data"]
    assert [(m["role"], m["mine"]) for m in seen["messages"]] == [("buyer", False)]
    assert api(client, "get", "/api/conversations", owner).json()["data"][0]["unread"] == 0
    bad = api(client, "post", url, buyer, {"text": "hi", "extra": 1})
    assert bad.status_code == 400
    assert api(client, "post", url, buyer, {"text": " "}).status_code == 400


def test_the_inbox_query_count_does_not_grow_with_threads(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register:ip": (100, 3600)}
    owner, store = seller("Many Threads")
    items = [listing(store, f"Thing {n}") for n in range(12)]

    def add_threads(batch: list[Listing]) -> None:
        for item in batch:
            asker = make_account().user
            actions.do_ask(asker, item, "A question")

    add_threads(items[:2])
    page = browser(owner)
    page.get("/messages/")
    # Session, user, page count, the page (threads with their unread counts in one query),
    # cart, the header's unread total, is-seller.
    with assert_database_query_count(8) as few:  # 8: the header's two unread counts among them
        assert page.get("/messages/").status_code == 200
    add_threads(items[2:])
    with assert_database_query_count(len(few.captured_queries)):
        html = page.get("/messages/").content.decode()
    assert html.count("1 new") == 12


def test_purge_erases_text_and_photos_on_schedule(trio: tuple[Any, ...],
                                                  shop: tuple[Account, Listing]) -> None:
    buyer, owner, _stranger, order = trio
    thread, _ = actions.order_thread_for(buyer.user, order.public_id)
    assert thread is not None
    with_photo = actions.do_post(thread, buyer.user, "buyer", "Order note", png_bytes())
    stored = Path(settings.MEDIA_ROOT) / with_photo.attachment
    _shop_owner, item = shop
    question = actions.do_ask(buyer.user, item, "A question")
    later = timezone.now() + timedelta(days=settings.ORDER_PURGE_DAYS + 1)
    # The order isn't finished: only the question (its last message is old by then) goes.
    assert actions.purge_old_messages(later) == 1
    assert Message.objects.get(thread=question).purged
    Order.objects.filter(pk=order.pk).update(status="completed", updated_at=timezone.now())
    assert actions.purge_old_messages() == 0
    assert actions.purge_old_messages(later) == 1
    with_photo.refresh_from_db()
    assert (with_photo.body, with_photo.attachment, with_photo.purged) == ("", "", True)
    assert not stored.exists()
    page = browser(owner).get(f"/messages/{thread.public_id}/").content.decode()
    assert "Erased on the privacy schedule." in page


# --- the migration that folds dispute messages into the order's thread ---------------------------

BEFORE = [("escrow", "0002_spend_amount_names"), ("conversations", "0001_threads_and_messages")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_dispute_messages_into_the_order_thread() -> None:
    buyer = make_account()
    _, store = seller("Migrated Store")
    order = make_order(buyer.user, store)
    escrow = open_escrow(order, Escrow.Status.FUNDED)
    do_open_dispute(escrow, buyer.user, "The parcel was empty when it came.")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    evidence = Path(settings.MEDIA_ROOT) / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    (evidence / "abc.webp").write_bytes(b"photo")
    (evidence / "abc-thumb.webp").write_bytes(b"thumb")
    DisputeMessage = old.get_model("escrow", "DisputeMessage")
    first = timezone.now() - timedelta(days=2)
    DisputeMessage.objects.create(dispute_id=escrow.dispute.pk, author_id=buyer.user.pk,
                                  role="buyer", text="Empty box, see photo.",
                                  evidence="evidence/abc.webp", created_at=first)
    DisputeMessage.objects.create(dispute_id=escrow.dispute.pk, author_id=None, role="arbiter",
                                  text="Noted.", created_at=first + timedelta(hours=1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM escrow_disputemessage")
        assert all(row[0].startswith("v1:") for row in cursor.fetchall())

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    thread = Thread.objects.get(order=order)
    moved = list(thread.messages.all())
    assert [(m.author_role, m.author_id, m.body) for m in moved] == [
        ("buyer", buyer.user.pk, "Empty box, see photo."), ("arbiter", None, "Noted.")]
    assert moved[0].attachment == "messages/abc.webp" and moved[1].attachment == ""
    media = Path(settings.MEDIA_ROOT)
    assert (media / "messages/abc.webp").read_bytes() == b"photo"
    assert (media / "messages/abc-thumb.webp").is_file()
    assert not (evidence / "abc.webp").exists()
    assert thread.last_message_at == moved[1].created_at
    assert "escrow_disputemessage" not in connection.introspection.table_names()
    # Re-encrypted for the new column: readable only as conversations.Message.body.
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM conversations_message ORDER BY id")
        raw = [row[0] for row in cursor.fetchall()]
    assert all(v.startswith("v1:") and "Empty" not in v for v in raw)
