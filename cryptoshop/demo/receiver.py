"""A demo webhook receiver (regtest only), so `make run` shows a working endpoint in the
seller's delivery log: it checks the signature the way docs/webhooks.md tells a seller to,
and answers 204 when it verifies, 400 when it doesn't. It stands in for the seller's own
server; on any other network it doesn't exist."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cryptoshop.core.errors import NotFound
from cryptoshop.webhooks.models import Webhook
from cryptoshop.webhooks.signing import HEADER, SignatureError, verify_signature

logger = logging.getLogger(__name__)


def _verifies(store_id: str, header: str, body: bytes) -> str:
    """The error, or "" when one of the store's endpoint secrets signed `body`."""
    error = "the store has no endpoint"
    for webhook in Webhook.objects.filter(store__public_id=store_id):
        try:
            verify_signature(webhook.secret, header, body)
        except SignatureError as exc:
            error = str(exc)
        else:
            return ""
    return error


@csrf_exempt  # a machine-to-machine POST, authenticated by its HMAC signature instead
@require_POST
def webhook_receiver(request: HttpRequest, store_id: str) -> HttpResponse:
    if not settings.DEMO_WALLET or settings.BITCOIN_NETWORK != "regtest":
        raise NotFound("The demo receiver only exists on regtest.")
    event = request.headers.get("CryptoShop-Event", "?")
    error = _verifies(store_id, request.headers.get(HEADER, ""), request.body)
    if error:
        logger.warning("demo webhook receiver: refused %s for %s: %s", event, store_id, error)
        return HttpResponse(f"signature refused: {error}\n", status=400,
                            content_type="text/plain")
    logger.info("demo webhook receiver: verified %s for %s", event, store_id)
    return HttpResponse(status=204)
