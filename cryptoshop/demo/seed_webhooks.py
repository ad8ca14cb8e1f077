"""The demo's webhook: Cold Storage Co. sends every event to the demo receiver
(cryptoshop/demo/receiver.py) on this server, so a new operator sees signed deliveries,
attempts and status codes in /sell/webhooks/ without writing a receiver first."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse

from cryptoshop.core.errors import ValidationFailed
from cryptoshop.stores.models import Store
from cryptoshop.webhooks.actions import WebhookInput, do_create_webhook
from cryptoshop.webhooks.delivery import queue_ping
from cryptoshop.webhooks.events import EVENT_TYPES
from cryptoshop.webhooks.models import Webhook

STORE_SLUG = "cold-storage-co"
logger = logging.getLogger(__name__)


def seed_webhook(base_url: str) -> Webhook | None:
    """Idempotent: one demo endpoint, made once, with a ping queued for the delivery job
    (the server it points at starts after seeding). None where the demo can't have one."""
    if not (settings.DEMO_WALLET and settings.BITCOIN_NETWORK == "regtest"
            and settings.WEBHOOK_ALLOW_PRIVATE):
        return None
    store = Store.objects.filter(slug=STORE_SLUG).first()
    if store is None or Webhook.objects.filter(store=store).exists():
        return None
    url = base_url.rstrip("/") + reverse("demo:webhook_receiver", args=[store.public_id])
    # Made after the sales history, so its months of past events aren't queued.
    try:
        webhook = do_create_webhook(store, WebhookInput(url=url, events=list(EVENT_TYPES)))
    except ValidationFailed as exc:  # e.g. HOST=0.0.0.0, which no receiver can be reached at
        logger.warning("demo webhook not made (%s): %s", url, exc)
        return None
    queue_ping(webhook)
    return webhook
