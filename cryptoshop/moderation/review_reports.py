"""Reports on reviews: anyone may report a published review (no account needed,
rate-limited per client address like listing reports); staff hide it from the queue
(SUBJECT_HANDLERS["review"]) or dismiss the report. Hiding and showing again recompute the
listing's and store's ratings (reviews.actions.do_set_hidden) and are audited."""

from __future__ import annotations

import logging

from django.db import transaction

from cryptoshop.accounts.models import User
from cryptoshop.core import ratelimit
from cryptoshop.core.crypto import keyed_hash
from cryptoshop.core.errors import Conflict, NotFound, ValidationFailed
from cryptoshop.moderation import actions
from cryptoshop.moderation.models import Report
from cryptoshop.reviews.actions import do_set_hidden
from cryptoshop.reviews.models import Review

logger = logging.getLogger(__name__)
SUBJECT = Report.Subject.REVIEW
REVIEW_REASONS = (Report.Reason.OFFENSIVE, Report.Reason.SCAM, Report.Reason.OTHER)


def reportable_review(public_id: str) -> Review:
    """A published review (not hidden, on a public listing of an active store)."""
    review = (Review.objects.select_related("listing", "store")
              .filter(public_id=public_id, hidden=False).first())
    if review is None or not (review.listing.is_visible and review.store.is_active):
        raise NotFound("No such review.")
    return review


def _duplicate_key(reporter: User | None, review: Review) -> str:
    # As for listings: a keyed hash, so the report can't be joined to the account.
    if reporter is None or not reporter.is_authenticated:
        return ""
    return keyed_hash(f"{reporter.pk}:review:{review.pk}", purpose="report-duplicate")


def check_report_review(reporter: User | None, review: Review, reason: str,
                        text: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if reason not in REVIEW_REASONS:
        errors["reason"] = ["Choose a reason: " + ", ".join(REVIEW_REASONS) + "."]
    text = (text or "").strip()
    if len(text) > actions.MAX_REPORT_TEXT:
        errors["text"] = [f"At most {actions.MAX_REPORT_TEXT} characters."]
    elif reason == Report.Reason.OTHER and len(text) < 10:
        errors["text"] = ["Tell us what is wrong (at least 10 characters)."]
    if errors:
        raise ValidationFailed(errors)
    key = _duplicate_key(reporter, review)
    if key and Report.objects.filter(subject_type=SUBJECT, subject_id=review.public_id,
                                     duplicate_key=key, status=Report.Status.OPEN).exists():
        raise Conflict("You have already reported this review; staff will look at it.")
    return reason, text


def do_report_review(reporter: User | None, review: Review, reason: str, text: str,
                     client_ip: str) -> Report:
    if reporter is not None and not reporter.is_authenticated:
        reporter = None
    reason, text = check_report_review(reporter, review, reason, text)
    ratelimit.hit("report:ip", client_ip)
    report = Report.objects.create(subject_type=SUBJECT, subject_id=review.public_id,
                                   reason=reason, text=text,
                                   duplicate_key=_duplicate_key(reporter, review))
    logger.info("review reported review=%s reason=%s", review.public_id, reason)
    return report


def do_hide_review(staff: User, review: Review, reason: str) -> bool:
    actions.check_staff(staff)
    reason = actions.check_reason(reason)
    with transaction.atomic():
        changed = do_set_hidden(review, True)
        if changed:
            actions.audit(staff, "review.hide", ("reviews.review", review.public_id), reason,
                          {"listing": review.listing.public_id, "rating": review.rating})
    return changed


def do_unhide_review(staff: User, review: Review, reason: str) -> bool:
    actions.check_staff(staff)
    reason = actions.check_reason(reason)
    with transaction.atomic():
        changed = do_set_hidden(review, False)
        if changed:
            actions.audit(staff, "review.unhide", ("reviews.review", review.public_id), reason,
                          {"listing": review.listing.public_id, "rating": review.rating})
    return changed


def act_on_review_report(staff: User, report: Report, action: str, reason: str) -> str:
    """SUBJECT_HANDLERS["review"]: "hide_review" hides it and resolves every open report on
    it (already inside the caller's transaction)."""
    if action != "hide_review":
        raise ValidationFailed({"action": ["For a review: hide it, or dismiss the report."]})
    review = (Review.objects.select_related("listing")
              .filter(public_id=report.subject_id).first())
    if review is not None:
        do_hide_review(staff, review, reason)
    settled = Report.objects.filter(subject_type=SUBJECT, subject_id=report.subject_id,
                                    status=Report.Status.OPEN).order_by("id")
    for other in settled:
        actions.do_resolve_report(staff, other, Report.Status.ACTIONED, reason)
    return "Review hidden; the ratings are recounted." if review else "The review was deleted."


def install() -> None:
    actions.QUEUE_ACTIONS.setdefault("hide_review", "Hide the review")
    actions.SUBJECT_HANDLERS[SUBJECT] = act_on_review_report
