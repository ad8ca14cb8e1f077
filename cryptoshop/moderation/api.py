"""POST /api/products/{id}/report: a thin wrapper over moderation.actions.do_report_listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import Field

from cryptoshop.accounts import sessions
from cryptoshop.catalog.actions import listing_for_viewer
from cryptoshop.core.api import OPTIONAL_AUTH, CamelSchema, ErrorOut, In, envelope, ok
from cryptoshop.core.ratelimit import client_ip
from cryptoshop.moderation import actions

router = Router(tags=["moderation"])


class ReportIn(In):
    reason: str = Field(max_length=20, description="prohibited, scam, counterfeit, "
                        "wrong_category, offensive or other")
    text: str = Field(default="", max_length=2000)


class ReportOut(CamelSchema):
    listing_id: str
    reason: str
    status: str
    created_at: datetime


@router.post("/{listing_id}/report", response={201: envelope(ReportOut), 429: ErrorOut},
             by_alias=True, openapi_extra=OPTIONAL_AUTH)
def report_listing(request: HttpRequest, listing_id: str,
                   payload: ReportIn) -> Status[dict[str, Any]]:
    """Report a listing to the moderators. No account needed (rate-limited per client);
    a signed-in caller's report is counted once per listing (by a keyed hash of account and
    listing, kept while it is open) and is not linked to their account."""
    if sessions.has_cookies(request):
        sessions.enforce_csrf(request)
    user = sessions.api_user(request)
    listing = listing_for_viewer(listing_id, user)
    report = actions.do_report_listing(user, listing, payload.reason, payload.text,
                                       client_ip(request))
    return Status(201, ok(ReportOut(
        listing_id=listing.public_id, reason=report.reason, status=report.status,
        created_at=report.created_at,
    ).model_dump(by_alias=True), "Thank you: the moderators will look at it."))
