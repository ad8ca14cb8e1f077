"""/api/webhooks: a store's webhook endpoints and their deliveries, over the same actions
as the seller's pages. Only the store's owner sees or changes them; anyone else gets 404.
The secret is returned once, when the endpoint is made (the seller's page shows it too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status
from pydantic import ConfigDict, Field

from cryptoshop.accounts.who import api_caller
from cryptoshop.core.api import (
    CamelSchema,
    In,
    Limit,
    Page,
    envelope,
    errors,
    ok,
    paged,
    paged_envelope,
)
from cryptoshop.core.pagination import paginate
from cryptoshop.stores.actions import own_store
from cryptoshop.stores.key_auth import key_or_account
from cryptoshop.webhooks import actions, delivery
from cryptoshop.webhooks.models import Delivery, Webhook

router = Router(tags=["webhooks"])
# The seller's own credentials, or a store API key with webhooks:write.
WEBHOOKS = key_or_account("webhooks:write")


class WebhookIn(In):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=500)
    events: list[str] = Field(max_length=20)
    enabled: bool = True
    secret: str | None = Field(default=None, max_length=actions.MAX_SECRET)


class WebhookPatch(In):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=500)
    events: list[str] | None = Field(default=None, max_length=20)
    enabled: bool | None = None
    secret: str | None = Field(default=None, max_length=actions.MAX_SECRET)


class WebhookOut(CamelSchema):
    id: str
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str  # shown here once; sign-checking key for the receiver


class AttemptOut(CamelSchema):
    number: int
    at: datetime
    status_code: int | None  # None: no HTTP answer (refused target, timeout, connection)
    error: str
    duration_ms: int


class DeliveryOut(CamelSchema):
    id: str
    event_id: str
    type: str
    status: str  # pending, delivered, failed (gave up after 24 hours)
    attempts: int
    last_status_code: int | None
    next_attempt_at: datetime | None
    redelivery_of: str | None
    created_at: datetime
    attempt_log: list[AttemptOut]


class WebhookDeletedOut(CamelSchema):
    deleted: bool


class WebhookListOut(CamelSchema):
    """{"success": true, "data": [<webhook>]}: named, since a bare list's envelope would
    share its generated name with other lists'."""

    success: bool = True
    data: list[WebhookOut]


def webhook_out(webhook: Webhook) -> dict[str, Any]:
    return {"id": webhook.public_id, "url": webhook.url, "events": webhook.events,
            "enabled": webhook.enabled, "createdAt": webhook.created_at,
            "updatedAt": webhook.updated_at}


def delivery_out(item: Delivery) -> dict[str, Any]:
    log = [{"number": a.number, "at": a.at, "statusCode": a.status_code, "error": a.error,
            "durationMs": a.duration_ms} for a in item.attempt_log.all()]
    return {"id": item.public_id, "eventId": item.event_id, "type": item.event_type,
            "status": item.status, "attempts": item.attempts,
            "lastStatusCode": item.last_status_code, "nextAttemptAt": item.next_attempt_at,
            "redeliveryOf": item.redelivery_of.public_id if item.redelivery_of else None,
            "createdAt": item.created_at, "attemptLog": log}


@router.get("", auth=WEBHOOKS, response=WebhookListOut, by_alias=True)
def list_webhooks(request: HttpRequest) -> dict[str, Any]:
    """Your store's endpoints."""
    me = api_caller(request)
    own_store(me)
    return ok([webhook_out(w) for w in actions.webhooks_of(me)])


@router.post("", auth=WEBHOOKS, response={201: envelope(WebhookCreatedOut)}, by_alias=True)
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, Any]]:
    """Add an endpoint: URL, events (see docs/webhooks.md), enabled, and optionally your own
    secret (16 to 200 characters; a random one otherwise). The answer has the secret."""
    store = own_store(api_caller(request))
    webhook = actions.do_create_webhook(store, actions.WebhookInput(
        url=payload.url, events=payload.events, enabled=payload.enabled,
        secret=payload.secret or ""))
    return Status(201, ok({**webhook_out(webhook), "secret": webhook.secret}))


@router.get("/{webhook_id}", auth=WEBHOOKS, response=envelope(WebhookOut), by_alias=True)
def get_webhook(request: HttpRequest, webhook_id: str) -> dict[str, Any]:
    return ok(webhook_out(actions.webhook_of_seller(api_caller(request), webhook_id)))


@router.put("/{webhook_id}", auth=WEBHOOKS, response=envelope(WebhookOut), by_alias=True)
def update_webhook(request: HttpRequest, webhook_id: str,
                   payload: WebhookPatch) -> dict[str, Any]:
    """Change an endpoint; fields left out keep their value (a `secret` replaces it)."""
    webhook = actions.webhook_of_seller(api_caller(request), webhook_id)
    merged = actions.WebhookInput(
        url=webhook.url if payload.url is None else payload.url,
        events=webhook.events if payload.events is None else payload.events,
        enabled=webhook.enabled if payload.enabled is None else payload.enabled,
        secret=payload.secret or "")
    return ok(webhook_out(actions.do_update_webhook(webhook, merged)))


@router.delete("/{webhook_id}", auth=WEBHOOKS, response=envelope(WebhookDeletedOut), by_alias=True)
def delete_webhook(request: HttpRequest, webhook_id: str) -> dict[str, Any]:
    """Delete an endpoint with its delivery log."""
    actions.do_delete_webhook(actions.webhook_of_seller(api_caller(request), webhook_id))
    return ok({"deleted": True})


@router.get("/{webhook_id}/deliveries", auth=WEBHOOKS,
            response=paged_envelope(DeliveryOut, "DeliveryListOut"), by_alias=True)
def list_deliveries(request: HttpRequest, webhook_id: str, page: Page = 1,
                    limit: Limit = 20) -> dict[str, Any]:
    """The delivery log, newest first, each with its attempts (status code, error,
    duration)."""
    webhook = actions.webhook_of_seller(api_caller(request), webhook_id)
    items, pagination = paginate(
        actions.deliveries_of(webhook).select_related("redelivery_of"), page, limit)
    return paged([delivery_out(d) for d in items], pagination)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver", auth=WEBHOOKS,
             response={201: envelope(DeliveryOut), **errors(429)}, by_alias=True)
def redeliver(request: HttpRequest, webhook_id: str,
              delivery_id: str) -> Status[dict[str, Any]]:
    """Send a delivery's event again, as a new delivery (due now, with its own retries)."""
    webhook = actions.webhook_of_seller(api_caller(request), webhook_id)
    again = delivery.do_redeliver(actions.delivery_of(webhook, delivery_id))
    return Status(201, ok(delivery_out(again)))


@router.post("/{webhook_id}/test", auth=WEBHOOKS,
             response={200: envelope(DeliveryOut), **errors(429)}, by_alias=True)
def test_ping(request: HttpRequest, webhook_id: str) -> dict[str, Any]:
    """Send a `ping` event now, once, and answer with its logged attempt."""
    webhook = actions.webhook_of_seller(api_caller(request), webhook_id)
    return ok(delivery_out(delivery.do_test_ping(webhook)))
