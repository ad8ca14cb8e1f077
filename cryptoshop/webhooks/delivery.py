"""Sending queued deliveries: the periodic job, retries with backoff, redelivery, test pings.

Backoff: after the n-th failed attempt the next one is due 10 s · 2^(n-1) later, at most an
hour apart (10 s, 20 s, 40 s … 2560 s, then hourly), until 24 hours after the event; an
attempt that would fall later isn't made and the delivery is given up (`failed`). See
`schedule()` for the exact offsets. A 2xx answer is delivered; anything else, a timeout or
a refused target is a failed attempt, each one logged (status code, error, duration) and
counted in cryptoshop_webhook_deliveries{event, outcome}.

Several processes may run the job: each takes a delivery with one conditional UPDATE that
moves `next_attempt_at` ahead by a lease, so an attempt is sent once. The POSTs of one run
go out in parallel threads, one per endpoint (no database work there), so one slow receiver
doesn't hold up the others, nor the other jobs for long. Retries can still overtake: a
receiver should act on the object's state in the body, not on the order of arrival."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cryptoshop.core import ratelimit
from cryptoshop.core.metrics import WEBHOOK_DELIVERIES
from cryptoshop.webhooks import events, signing, targets
from cryptoshop.webhooks.models import Attempt, Delivery, Webhook

FIRST_RETRY_S = 10
MAX_GAP_S = 3600
WINDOW = timedelta(hours=24)
LEASE = timedelta(minutes=2)  # longer than one run's worst case (one timeout per endpoint)
BATCH = 16
PARALLEL = 8
LOG_DAYS = 30  # finished deliveries (and their bodies) are kept this long
Status = Delivery.Status


def backoff_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt."""
    return int(min(FIRST_RETRY_S * 2 ** (attempts - 1), MAX_GAP_S))


def schedule() -> list[int]:
    """Seconds after the event at which each attempt is due, if every one fails at once."""
    offsets, at, n = [0], 0, 1
    while at + backoff_seconds(n) <= WINDOW.total_seconds():
        at += backoff_seconds(n)
        offsets.append(at)
        n += 1
    return offsets


def headers_for(webhook: Webhook, delivery: Delivery, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json",
            "User-Agent": f"CryptoShop-Webhooks/{settings.VERSION}",
            signing.HEADER: signing.sign(webhook.secret, body),
            "CryptoShop-Event": delivery.event_type,
            "CryptoShop-Delivery": delivery.public_id}


def send(delivery: Delivery) -> targets.Outcome:
    """One attempt: resolve and check the target again, then POST. No database work."""
    webhook = delivery.webhook
    if not webhook.enabled and delivery.event_type != events.PING:
        return targets.Outcome(None, "The endpoint is disabled.", 0)
    try:
        target = targets.resolve(webhook.url)
    except targets.TargetRefused as exc:
        return targets.Outcome(None, str(exc), 0)
    body = delivery.body.encode()
    return targets.post(target, body, headers_for(webhook, delivery, body),
                        settings.WEBHOOK_TIMEOUT_SECONDS)


def record(delivery: Delivery, outcome: targets.Outcome, now: datetime, *,
           retry: bool = True) -> None:
    """Log the attempt and schedule the next one (or finish)."""
    number = delivery.attempts + 1
    fields: dict[str, object] = {"attempts": number, "last_status_code": outcome.status_code}
    next_at = now + timedelta(seconds=backoff_seconds(number))
    if outcome.ok:
        fields.update(status=Status.DELIVERED, finished_at=now, next_attempt_at=None)
    elif not retry or next_at > delivery.created_at + WINDOW:
        fields.update(status=Status.FAILED, finished_at=now, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=next_at)
    with transaction.atomic():
        Attempt.objects.create(delivery=delivery, number=number, at=now,
                               status_code=outcome.status_code, error=outcome.error,
                               duration_ms=outcome.duration_ms)
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
    for key, value in fields.items():
        setattr(delivery, key, value)
    WEBHOOK_DELIVERIES.labels(delivery.event_type, "ok" if outcome.ok else "failed").inc()


def _claim(now: datetime, limit: int) -> list[Delivery]:
    due = list(Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", "next_attempt_at")[:limit])
    taken = [pk for pk, at in due
             if Delivery.objects.filter(pk=pk, status=Status.PENDING, next_attempt_at=at)
             .update(next_attempt_at=now + LEASE)]
    return list(Delivery.objects.filter(pk__in=taken).select_related("webhook")
                .order_by("created_at", "id"))


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """The job: send every due delivery (up to `limit`), record each attempt. Returns how
    many were attempted."""
    now = now or timezone.now()
    claimed = _claim(now, limit)
    if not claimed:
        return 0
    # One thread per endpoint, each sending its deliveries in the order of their events,
    # so a receiver that answers at once sees "created" before "cancelled".
    by_endpoint: dict[int, list[Delivery]] = {}
    for item in claimed:
        by_endpoint.setdefault(item.webhook_id, []).append(item)
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(by_endpoint))) as pool:
        results = list(pool.map(_send_in_order, by_endpoint.values()))
    for group in results:
        for item, outcome in group:
            record(item, outcome, now)
    return len(claimed)


def _send_in_order(items: list[Delivery]) -> list[tuple[Delivery, targets.Outcome]]:
    """Send one endpoint's deliveries in turn. Once it doesn't answer at all (timeout,
    refused connection), the rest aren't tried now: they keep their lease and come back
    when it runs out, so a dead receiver costs one timeout per run, not one per event."""
    done = []
    for item in items:
        outcome = send(item)
        done.append((item, outcome))
        if outcome.status_code is None and outcome.duration_ms > 0:
            break
    return done


def do_redeliver(delivery: Delivery) -> Delivery:
    """The same event again, as a new delivery due now (with its own 24 hours); the body
    says `isRedelivery` and keeps the event id, so a receiver can de-duplicate."""
    ratelimit.hit("webhook:send", str(delivery.webhook.store_id))
    now = timezone.now()
    again = Delivery(webhook=delivery.webhook, event_id=delivery.event_id,
                     event_type=delivery.event_type, next_attempt_at=now, created_at=now,
                     redelivery_of=delivery)
    body = json.loads(delivery.body)
    body.update(deliveryId=again.public_id, isRedelivery=True)
    again.body = json.dumps(body, separators=(",", ":"))
    again.save()
    return again


def _ping(webhook: Webhook, *, due: bool) -> Delivery:
    now = timezone.now()
    ping = Delivery(webhook=webhook, event_id=events.new_event_id(), event_type=events.PING,
                    created_at=now, next_attempt_at=now if due else None)
    ping.body = events.body_of(ping.event_id, events.PING, now, webhook.store, webhook,
                               ping.public_id, {"message": "Test ping from CryptoShop."})
    ping.save()
    return ping


def do_test_ping(webhook: Webhook) -> Delivery:
    """Send a `ping` now, once (no retries), and log it like any delivery."""
    ratelimit.hit("webhook:send", str(webhook.store_id))
    ping = _ping(webhook, due=False)
    record(ping, send(ping), timezone.now(), retry=False)
    return ping


def queue_ping(webhook: Webhook) -> Delivery:
    """A `ping` for the delivery job to send (with retries), for when the receiver may not
    be listening yet: the demo queues one before the server it points at has started."""
    return _ping(webhook, due=True)


def purge_old(now: datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=LOG_DAYS)
    deleted, _ = Delivery.objects.exclude(status=Status.PENDING).filter(
        created_at__lt=cutoff).delete()
    return deleted
