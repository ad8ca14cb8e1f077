from __future__ import annotations

from django import template

from cryptoshop.moderation.models import Report
from cryptoshop.reviews.models import Review

register = template.Library()


@register.simple_tag
def reported_review(report: Report) -> Review | None:
    """The review a queue entry is about (None once its author deleted it). One query per
    review report: the queue shows 25 reports a page."""
    return (Review.objects.select_related("listing", "store")
            .filter(public_id=report.subject_id).first())
