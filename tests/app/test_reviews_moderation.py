"""Reviews and trust & safety: a report from the review's "Report" link reaches the staff
queue, hiding it there is audited and recounts the ratings, unhiding too; the seller answers
from /sell/reviews/ (JS off); a reviewer's account deletion keeps the review, anonymous."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from cryptoshop.accounts import actions as account_actions
from cryptoshop.catalog.models import Listing
from cryptoshop.moderation import review_reports
from cryptoshop.moderation.models import Report
from cryptoshop.reviews.models import Review
from tests.app.moderation_setup import audit_entries, log_in
from tests.app.reviews_steps import digital, reviewed
from tests.factories import make_account, operator, seller

pytestmark = pytest.mark.django_db


def test_report_then_queue_then_hide_is_audited_and_recounted(client: Client) -> None:
    _, store = seller()
    item = digital(store, "An e-book")
    reviewed(make_account().user, item, 5, "Superb")
    bad = reviewed(make_account().user, item, 1, "Call me on +1 555 0100, idiots")
    item.refresh_from_db()
    assert (item.rating_avg, item.rating_count) == (Decimal("3.00"), 2)
    listing_page = client.get(f"/l/{item.public_id}/{item.slug}/").content.decode()
    report_url = f"/moderation/report/review/{bad.public_id}/"
    assert report_url in listing_page
    assert client.get(report_url).status_code == 200
    response = client.post(report_url, {"reason": "offensive", "text": "Personal details"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.subject_type, report.subject_id, report.listing) == ("review", bad.public_id,
                                                                        None)
    staff = operator()
    staff_client = Client()
    log_in(staff_client, staff)
    queue = staff_client.get("/moderation/queue/").content.decode()
    assert "Call me on" in queue and 'value="hide_review"' in queue
    response = staff_client.post(f"/moderation/queue/{report.pk}/act/",
                                 {"action": "hide_review", "reason": "Personal details"})
    assert response.status_code == 302
    report.refresh_from_db()
    bad.refresh_from_db()
    item.refresh_from_db()
    assert report.status == Report.Status.ACTIONED and bad.hidden
    assert (item.rating_avg, item.rating_count) == (Decimal("5.00"), 1)
    [entry] = audit_entries("review.hide")
    assert (entry.target_id, entry.reason) == (bad.public_id, "Personal details")
    assert "Call me on" not in client.get(f"/l/{item.public_id}/{item.slug}/").content.decode()
    assert client.get(report_url).status_code == 404  # hidden: nothing left to report
    review_reports.do_unhide_review(staff.user, bad, "Edited out on appeal")
    item.refresh_from_db()
    assert (item.rating_avg, item.rating_count) == (Decimal("3.00"), 2)
    assert len(audit_entries("review.unhide")) == 1


def test_review_reports_are_validated_and_rate_limited(client: Client, settings: object) -> None:
    _, store = seller()
    review = reviewed(make_account().user, digital(store, "An e-book"), 2, "Nope")
    url = f"/moderation/report/review/{review.public_id}/"
    assert client.post(url, {"reason": "other", "text": "short"}).status_code == 400
    assert client.post(url, {"reason": "counterfeit"}).status_code == 400  # not for reviews
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report:ip": (1, 3600)}  # type: ignore
    assert client.post(url, {"reason": "scam"}).status_code == 302
    assert client.post(url, {"reason": "scam"}).status_code == 429
    assert client.get("/moderation/report/review/r_nope/").status_code == 404


def test_dismissing_a_review_report_keeps_the_review(client: Client) -> None:
    _, store = seller()
    review = reviewed(make_account().user, digital(store, "An e-book"), 2, "Meh")
    report = review_reports.do_report_review(None, review, "scam", "", "198.51.100.1")
    staff = operator()
    log_in(client, staff)
    client.post(f"/moderation/queue/{report.pk}/act/", {"action": "dismiss", "reason": "Fair"})
    report.refresh_from_db()
    review.refresh_from_db()
    assert report.status == Report.Status.DISMISSED and not review.hidden


def test_seller_answers_from_the_back_office_once(client: Client) -> None:
    owner, store = seller()
    item = digital(store, "An e-book")
    review = reviewed(make_account().user, item, 4, "Good")
    client.force_login(owner.user)
    page = client.get("/sell/reviews/").content.decode()
    assert "Good" in page and f"/sell/reviews/{review.public_id}/answer/" in page
    response = client.post(f"/sell/reviews/{review.public_id}/answer/", {"answer": "Thank you!"})
    assert response.status_code == 302
    page = client.get("/sell/reviews/").content.decode()
    assert "Thank you!" in page and f"/sell/reviews/{review.public_id}/answer/" not in page
    client.post(f"/sell/reviews/{review.public_id}/answer/", {"answer": "Edited"})
    review.refresh_from_db()
    assert review.answer == "Thank you!"
    listing_page = Client().get(f"/l/{item.public_id}/{item.slug}/").content.decode()
    assert "Answer from the seller" in listing_page and "Thank you!" in listing_page


def test_deleting_the_reviewers_account_keeps_the_review_anonymous() -> None:
    _, store = seller()
    item = digital(store, "An e-book")
    buyer = make_account()
    review = reviewed(buyer.user, item, 5, "Great")
    plan = account_actions.check_delete_account(buyer.user)
    assert any("1 review you wrote stays" in line for line in plan.kept)
    account_actions.do_delete_account(buyer.user, token=buyer.token, code=None, client_ip="x")
    review.refresh_from_db()
    assert review.order_item.order.buyer is None
    item = Listing.objects.get(pk=item.pk)
    assert (item.rating_avg, item.rating_count) == (Decimal("5.00"), 1)
    assert Review.objects.filter(order_item__order__buyer__isnull=True).count() == 1


def test_staff_find_a_hidden_review_in_the_admin_and_show_it_again(client: Client) -> None:
    """The queue only hides; the operator admin lists reviews (hidden ones filterable) and
    puts one back with a reason, audited, ratings recounted — without naming the reviewer."""
    _, store = seller()
    item = digital(store, "A field guide")
    buyer = make_account().user
    kept = reviewed(make_account().user, item, 5, "Superb")
    bad = reviewed(buyer, item, 1, "Harsh but fair")
    staff = operator()
    review_reports.do_hide_review(staff.user, bad, "Looked like spam")
    log_in(client, staff)
    listing = client.get("/admin/reviews/review/?hidden__exact=1").content.decode()
    assert bad.public_id in listing and kept.public_id not in listing
    detail = client.get(f"/admin/reviews/review/{bad.pk}/change/").content.decode()
    assert "Harsh but fair" in detail
    assert buyer.public_id not in detail and bad.order_item.order.public_id not in detail
    done = client.post("/admin/reviews/review/", {
        "action": "unhide_reviews", "_selected_action": [bad.pk], "apply": "yes",
        "reason": "Not spam on a second look"})
    assert done.status_code == 302
    bad.refresh_from_db()
    item.refresh_from_db()
    assert not bad.hidden and (item.rating_avg, item.rating_count) == (Decimal("3.00"), 2)
    [entry] = audit_entries("review.unhide")
    assert (entry.target_id, entry.reason) == (bad.public_id, "Not spam on a second look")
