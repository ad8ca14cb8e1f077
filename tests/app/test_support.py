"""Support tickets through the pages (JavaScript off), the API and the actions: strangers
get 404 for tickets, messages and the API; an order must be the opener's; the staff queue
needs staff with 2FA; status transitions; staff changes audited; internal notes never
reach the user; rate limits; unread counts; constant query counts; the purge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cryptoshop.demo.seed_support import seed_support
from cryptoshop.moderation.models import AuditEntry
from cryptoshop.notifications.models import Notification
from cryptoshop.support import actions
from cryptoshop.support.access import STAFF, USER, unread_total
from cryptoshop.support.models import Ticket, TicketMessage
from tests.app.conftest import csrf_from
from tests.factories import Account, fresh_code, make_account, make_order, operator, seller
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db
SECRET = "My seed words are QZX-SECRET"


def browser(acct: Account | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if acct is not None:
        client.force_login(acct.user)
    return client


def form_post(client: Client, url: str, data: dict[str, Any], page: str = "/support/") -> Any:
    token = csrf_from(client.get(page).content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token, **data})


def api_login(acct: Account) -> str:
    """A bearer value: the raw token, or for an account with 2FA a session made with a code."""
    if not acct.user.totp_enabled:
        return acct.token
    answer = Client().post("/api/auth/login", content_type="application/json", data={
        "token": acct.token, "code": fresh_code(acct.user)})
    return str(answer.json()["data"]["sessionToken"])


_bearers: dict[str, str] = {}


def api(client: Client, method: str, url: str, acct: Account, body: Any = None) -> Any:
    if acct.token not in _bearers:
        _bearers[acct.token] = api_login(acct)
    headers = {"Authorization": f"Bearer {_bearers[acct.token]}"}
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, data=body or {}, content_type="application/json", headers=headers)


def open_ticket(acct: Account, subject: str = "Where is my order?", text: str = "Help me",
                **extra: Any) -> Ticket:
    return actions.do_open(acct.user, extra.pop("category", "order"), subject, text, **extra)


def new_ticket_page(client: Client, **data: Any) -> Any:
    fields = {"category": "order", "subject": "It never came", "text": "Please look", **data}
    return form_post(client, "/support/new/", fields, page="/support/new/")


def test_a_visitor_sees_how_to_get_an_account() -> None:
    page = Client().get("/support/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="support-visitor"' in html and "/accounts/register/" in html
    assert Client().get("/support/new/").status_code == 302  # to the login page


def test_open_answer_reply_and_close_with_javascript_off() -> None:
    user, staff = make_account(), operator()
    client = browser(user)
    empty = client.get("/support/").content.decode()
    assert "No tickets yet" in empty
    sent = new_ticket_page(client, text=SECRET)
    ticket = Ticket.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/support/{ticket.public_id}/"
    assert ticket.status == "open" and ticket.opener == user.user
    assert Notification.objects.filter(user=staff.user, kind="ticket_opened").count() == 1
    assert SECRET not in str(Notification.objects.values())  # notices aren't encrypted
    assert "It never came" not in str(Notification.objects.values())  # nor the subject
    with connection.cursor() as cursor:  # the subject is user text: encrypted at rest too
        cursor.execute("SELECT subject FROM support_ticket")
        [(raw_subject,)] = cursor.fetchall()
    assert raw_subject.startswith("v1:") and "never" not in raw_subject
    desk = browser(staff)
    url = f"/support/staff/{ticket.public_id}/"
    assert desk.get(url).status_code == 200
    assert form_post(desk, url, {"text": "We're on it."}, page=url).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "waiting"
    notice = Notification.objects.get(user=user.user, kind="ticket_replied")
    assert notice.url == f"/support/{ticket.public_id}/"
    assert unread_total(user.user) == 1
    assert "1 new" in client.get("/support/").content.decode()
    page = client.get(f"/support/{ticket.public_id}/").content.decode()
    assert "We&#x27;re on it." in page and SECRET in page
    assert unread_total(user.user) == 0  # looking marks it read
    close = form_post(client, f"/support/{ticket.public_id}/close/", {})
    ticket.refresh_from_db()
    assert close.status_code == 302 and ticket.status == "resolved" and ticket.resolved_at
    again = form_post(client, f"/support/{ticket.public_id}/", {"text": "It broke again"})
    ticket.refresh_from_db()
    assert again.status_code == 302 and ticket.status == "open" and ticket.resolved_at is None


def test_empty_and_invalid_fields_are_form_errors() -> None:
    client = browser(make_account())
    bad = new_ticket_page(client, category="nonsense", subject=" ", text="")
    assert bad.status_code == 400
    assert not Ticket.objects.exists()
    empty_reply = open_ticket(make_account())
    assert empty_reply.messages.count() == 1


def test_strangers_get_404_for_ticket_pages_messages_and_the_api() -> None:
    owner, stranger = make_account(), make_account()
    ticket = open_ticket(owner)
    client = browser(stranger)
    base = f"/support/{ticket.public_id}/"
    for url in (base, base + "messages/", f"/support/staff/{ticket.public_id}/"):
        assert client.get(url).status_code == 404, url
    assert form_post(client, base, {"text": "hijack"}).status_code == 404
    assert form_post(client, base + "close/", {}).status_code == 404
    api_client = Client()
    assert api(api_client, "get", f"/api/support/{ticket.public_id}", stranger).status_code == 404
    for tail in ("/messages", "/close"):
        posted = api(api_client, "post", f"/api/support/{ticket.public_id}{tail}", stranger,
                     {"text": "x"} if tail == "/messages" else None)
        assert posted.status_code == 404, tail
    listed = api(api_client, "get", "/api/support", stranger).json()
    assert listed["pagination"]["total"] == 0
    assert api(api_client, "get", "/api/support?queue=true", stranger).status_code == 404
    assert ticket.messages.count() == 1 and Ticket.objects.get().status == "open"


def test_staff_following_a_users_ticket_link_land_on_the_staff_page() -> None:
    owner, staff = make_account(), operator()
    ticket = open_ticket(owner)
    answer = browser(staff).get(f"/support/{ticket.public_id}/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/support/staff/{ticket.public_id}/"
    assert browser(owner).get(f"/support/{ticket.public_id}/").status_code == 200


def test_an_order_must_be_the_openers() -> None:
    buyer, stranger = make_account(), make_account()
    owner, store = seller("Helpdesk Store")
    order = make_order(buyer.user, store)
    for who in (buyer, owner):  # both parties may attach it
        assert open_ticket(who, order_public_id=order.public_id).order == order
    client = browser(stranger)
    page = client.get(f"/support/new/?order={order.public_id}").content.decode()
    assert f'<option value="{order.public_id}"' not in page  # not prefilled, not offered
    refused = new_ticket_page(client, order=order.public_id)
    made_up = new_ticket_page(client, order="o_0000000000000000")
    assert refused.status_code == made_up.status_code == 400
    assert "You have no order with that id." in refused.content.decode()
    assert refused.content.decode().count("no order with that id") == 1
    assert Ticket.objects.filter(opener=stranger.user).count() == 0
    mine = browser(buyer).get(f"/support/new/?order={order.public_id}").content.decode()
    assert f'<option value="{order.public_id}" selected' in mine
    answer = api(Client(), "post", "/api/support", stranger, {
        "category": "order", "subject": "x", "text": "y", "orderId": order.public_id})
    assert answer.status_code == 400


def test_the_order_page_links_to_help() -> None:
    buyer = make_account()
    _owner, store = seller("Linked Store")
    order = make_order(buyer.user, store)
    html = browser(buyer).get(f"/orders/{order.public_id}/").content.decode()
    assert f"/support/new/?order={order.public_id}" in html


def test_the_staff_queue_needs_staff_with_two_factor() -> None:
    open_ticket(make_account())
    assert browser(make_account()).get("/support/staff/").status_code == 404
    assert Client().get("/support/staff/").status_code == 404
    no_2fa = browser(operator(two_factor=False)).get("/support/staff/")
    assert no_2fa.status_code == 302 and "2fa" in no_2fa["Location"]
    assert browser(operator()).get("/support/staff/").status_code == 200


def test_staff_changes_are_audited_and_filter_the_queue() -> None:
    staff, other = operator(), operator()
    first = open_ticket(make_account(), "First")
    second = open_ticket(make_account(), "Second")
    desk = browser(staff)
    url = f"/support/staff/{first.public_id}/update/"
    changed = form_post(desk, url, {"status": "open", "priority": "urgent",
                                    "assignee": staff.user.public_id}, page="/support/staff/")
    assert changed.status_code == 302
    first.refresh_from_db()
    assert first.priority == "urgent" and first.assignee == staff.user
    entries = AuditEntry.objects.filter(target_id=first.public_id)
    assert sorted(e.action for e in entries) == ["ticket_assignee", "ticket_priority"]
    assert all(e.actor == staff.user for e in entries)
    bogus = form_post(desk, url, {"status": "open", "priority": "urgent",
                                  "assignee": other.user.public_id + "x"}, page="/support/staff/")
    assert bogus.status_code == 400
    assert AuditEntry.objects.filter(target_id=first.public_id).count() == 2
    queue = desk.get("/support/staff/?status=open&assignee=me").content.decode()
    assert "First" in queue and "Second" not in queue
    queue = desk.get("/support/staff/?status=open&assignee=unassigned").content.decode()
    assert "Second" in queue and "First" not in queue
    oldest_first = desk.get("/support/staff/").content.decode()
    assert oldest_first.index("First") < oldest_first.index("Second")
    actions.do_staff_update(first, staff.user, status="resolved")
    assert AuditEntry.objects.filter(action="ticket_status", target_id=first.public_id,
                                     data__to="resolved").exists()
    assert "First" not in desk.get("/support/staff/").content.decode()  # open only
    api_queue = api(Client(), "get", "/api/support?queue=true&status=resolved", staff).json()
    assert [t["subject"] for t in api_queue["data"]] == ["First"]
    assert second.status == "open"


def test_internal_notes_never_reach_the_user() -> None:
    user, staff = make_account(), operator()
    ticket = open_ticket(user)
    actions.do_reply(ticket, staff.user, STAFF, "Looks like fraud QZX-INTERNAL", internal=True)
    ticket.refresh_from_db()
    assert ticket.status == "open"  # a note isn't an answer
    assert not Notification.objects.filter(user=user.user).exists()
    assert unread_total(user.user) == 0
    client = browser(user)
    for url in (f"/support/{ticket.public_id}/", f"/support/{ticket.public_id}/messages/"):
        assert "QZX-INTERNAL" not in client.get(url).content.decode()
    body = api(Client(), "get", f"/api/support/{ticket.public_id}", user).json()["data"]
    assert [m["authorRole"] for m in body["messages"]] == ["user"]
    assert "QZX-INTERNAL" not in str(body)
    staff_view = api(Client(), "get", f"/api/support/{ticket.public_id}", staff).json()["data"]
    assert [m["internal"] for m in staff_view["messages"]] == [False, True]
    assert "QZX-INTERNAL" in browser(staff).get(
        f"/support/staff/{ticket.public_id}/").content.decode()
    refused = api(Client(), "post", f"/api/support/{ticket.public_id}/messages", user,
                  {"text": "sneaky", "internal": True})
    assert refused.status_code == 404


def test_the_api_opens_lists_replies_and_closes(client: Client) -> None:
    user, staff = make_account(), operator()
    made = api(client, "post", "/api/support", user,
               {"category": "payment", "subject": "Paid twice", "text": "Refund one?"})
    assert made.status_code == 201
    ticket_id = made.json()["data"]["id"]
    assert ticket_id.startswith("tk_") and made.json()["data"]["status"] == "open"
    assert api(client, "post", "/api/support", user, {"category": "payment", "subject": "x",
                                                      "text": "y", "extra": 1}).status_code == 400
    answer = api(client, "post", f"/api/support/{ticket_id}/messages", staff, {"text": "Yes."})
    assert answer.status_code == 201 and answer.json()["data"]["authorRole"] == "staff"
    listed = api(client, "get", "/api/support", user).json()
    assert listed["data"][0]["unread"] == 1 and listed["data"][0]["status"] == "waiting"
    detail = api(client, "get", f"/api/support/{ticket_id}", user).json()["data"]
    assert detail["role"] == "user" and [m["text"] for m in detail["messages"]] == [
        "Refund one?", "Yes."]
    assert api(client, "get", "/api/support", user).json()["data"][0]["unread"] == 0
    closed = api(client, "post", f"/api/support/{ticket_id}/close", user)
    assert closed.status_code == 200 and closed.json()["data"]["status"] == "resolved"
    assert api(client, "post", f"/api/support/{ticket_id}/close", staff).status_code == 404


def test_new_tickets_and_messages_are_rate_limited(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "support:ticket": (2, 3600),
                            "support:message": (2, 60)}
    client = browser(make_account())
    assert new_ticket_page(client, subject="one").status_code == 302
    assert new_ticket_page(client, subject="two").status_code == 302
    limited = new_ticket_page(client, subject="three")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    ticket = Ticket.objects.order_by("id").first()
    assert ticket is not None
    url = f"/support/{ticket.public_id}/"
    assert form_post(client, url, {"text": "a"}).status_code == 302
    assert form_post(client, url, {"text": "b"}).status_code == 302
    assert form_post(client, url, {"text": "c"}).status_code == 429
    assert Ticket.objects.count() == 2


def test_list_and_queue_query_counts_do_not_grow_with_tickets(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register:ip": (100, 3600),
                            "support:ticket": (100, 3600)}
    user, staff = make_account(), operator()

    def add(count: int) -> None:
        for n in range(count):
            ticket = open_ticket(user, f"Ticket {n}")
            actions.do_reply(ticket, staff.user, STAFF, "An answer")
            actions.do_staff_update(ticket, staff.user, status="open",
                                    assignee=staff.user)

    add(2)
    mine, desk = browser(user), browser(staff)
    mine.get("/support/")
    desk.get("/support/staff/")
    # Session, user, page count, the page (tickets with unread counts in one query), cart,
    # the header's notification and message counts, is-seller.
    with assert_database_query_count(8) as few_mine:
        assert mine.get("/support/").status_code == 200
    with assert_database_query_count(8) as few_desk:  # the same shape for the queue
        assert desk.get("/support/staff/").status_code == 200
    add(10)
    with assert_database_query_count(len(few_mine.captured_queries)):
        assert mine.get("/support/").content.decode().count("1 new") == 12
    with assert_database_query_count(len(few_desk.captured_queries)):
        assert desk.get("/support/staff/").content.decode().count("Ticket ") == 12


def test_purge_erases_resolved_tickets_text_on_schedule(settings: Any) -> None:
    user = make_account()
    resolved, still_open = open_ticket(user, "Done"), open_ticket(user, "Ongoing")
    actions.do_close(resolved, USER)
    later = timezone.now() + timedelta(days=settings.ORDER_PURGE_DAYS + 1)
    assert actions.purge_resolved_messages(timezone.now()) == 0  # not yet
    assert actions.purge_resolved_messages(later) == 1
    gone = TicketMessage.objects.get(ticket=resolved)
    assert gone.purged and gone.body == ""
    assert TicketMessage.objects.get(ticket=still_open).body == "Help me"
    page = browser(user).get(f"/support/{resolved.public_id}/").content.decode()
    assert "Erased on the privacy schedule." in page


def test_demo_tickets_are_made_once_with_a_staff_answer() -> None:
    assert seed_support() == 3
    assert seed_support() == 0
    answered = Ticket.objects.get(status="waiting")
    assert answered.messages.filter(author_role="staff", author__is_staff=True).exists()
    assert Ticket.objects.filter(status="resolved").count() == 1
    assert Ticket.objects.filter(status="open").count() == 1
