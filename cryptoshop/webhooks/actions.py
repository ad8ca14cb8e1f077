"""Webhook endpoints: check_* validates, do_* changes; every lookup is scoped to the
caller's own store (anyone else's endpoint is a 404, never a 403 that confirms it exists)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from cryptoshop.accounts.models import User
from cryptoshop.core.errors import NotFound, ValidationFailed
from cryptoshop.stores.actions import own_store
from cryptoshop.stores.models import Store
from cryptoshop.webhooks import targets
from cryptoshop.webhooks.events import EVENT_TYPES
from cryptoshop.webhooks.models import Delivery, Webhook, new_secret

MAX_PER_STORE = 10
MIN_SECRET = 16
MAX_SECRET = 200


@dataclass(frozen=True)
class WebhookInput:
    url: str
    events: list[str]
    enabled: bool = True
    secret: str = ""  # empty: keep the current one (or make one, for a new endpoint)


def check_webhook_input(data: WebhookInput) -> WebhookInput:
    errors: dict[str, list[str]] = {}
    url = data.url.strip()
    try:
        targets.resolve(url)
    except targets.TargetRefused as exc:
        errors["url"] = [str(exc)]
    unknown = sorted(set(data.events) - set(EVENT_TYPES))
    if unknown:
        errors["events"] = [f"Unknown event: {', '.join(unknown)}."]
    elif not data.events:
        errors["events"] = ["Choose at least one event."]
    secret = data.secret.strip()
    if secret and not MIN_SECRET <= len(secret) <= MAX_SECRET:
        errors["secret"] = [f"Between {MIN_SECRET} and {MAX_SECRET} characters."]
    if errors:
        raise ValidationFailed(errors)
    # Kept in the order of EVENT_TYPES, so the list reads the same however it was sent.
    chosen = [e for e in EVENT_TYPES if e in set(data.events)]
    return WebhookInput(url=url, events=chosen, enabled=data.enabled, secret=secret)


def do_create_webhook(store: Store, data: WebhookInput) -> Webhook:
    data = check_webhook_input(data)
    if Webhook.objects.filter(store=store).count() >= MAX_PER_STORE:
        raise ValidationFailed({"url": [f"At most {MAX_PER_STORE} endpoints per store."]})
    return Webhook.objects.create(store=store, url=data.url, events=data.events,
                                  enabled=data.enabled, secret=data.secret or new_secret())


def do_update_webhook(webhook: Webhook, data: WebhookInput) -> Webhook:
    data = check_webhook_input(data)
    webhook.url, webhook.events, webhook.enabled = data.url, data.events, data.enabled
    if data.secret:
        webhook.secret = data.secret
    webhook.save()
    return webhook


def do_rotate_secret(webhook: Webhook) -> Webhook:
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


def do_delete_webhook(webhook: Webhook) -> None:
    webhook.delete()  # its deliveries and their log go with it


def webhooks_of(user: User) -> QuerySet[Webhook]:
    return Webhook.objects.filter(store__owner=user).select_related("store")


def webhook_of_seller(user: User, public_id: str) -> Webhook:
    own_store(user)  # no store: 403 "open one first", as the other seller pages say
    webhook = webhooks_of(user).filter(public_id=public_id).first()
    if webhook is None:
        raise NotFound("No such webhook.")
    return webhook


def deliveries_of(webhook: Webhook) -> QuerySet[Delivery]:
    return webhook.deliveries.all().prefetch_related("attempt_log")


def delivery_of(webhook: Webhook, public_id: str) -> Delivery:
    delivery = webhook.deliveries.filter(public_id=public_id).select_related("webhook").first()
    if delivery is None:
        raise NotFound("No such delivery.")
    return delivery
