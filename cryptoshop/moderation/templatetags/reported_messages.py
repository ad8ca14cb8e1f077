"""The reported message of a queue entry: `{% reported_message report as message %}`."""

from __future__ import annotations

from django import template

from cryptoshop.conversations.models import Message
from cryptoshop.moderation.models import Report

register = template.Library()


@register.simple_tag
def reported_message(report: Report) -> Message | None:
    return (Message.objects.select_related("thread", "thread__store", "author")
            .filter(public_id=report.subject_id).first())
