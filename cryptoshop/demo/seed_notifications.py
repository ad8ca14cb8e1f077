"""Demo notices, so the bell and /notifications/ aren't empty on a fresh `make run`: each
demo seller gets a short welcome (the demo has no buyer accounts; buyers get real notices
as soon as they order). Idempotent: a seller who has any notice gets none."""

from __future__ import annotations

from cryptoshop.demo.catalog_data import STORES
from cryptoshop.notifications.actions import do_notify
from cryptoshop.notifications.models import Notification
from cryptoshop.stores.models import Store


def seed_notifications() -> int:
    made = 0
    stores = Store.objects.filter(slug__in=[s.slug for s in STORES]).select_related("owner")
    for store in stores:
        if Notification.objects.filter(user=store.owner).exists():
            continue
        do_notify(store.owner, "notice", "Welcome to the demo",
                  f"“{store.name}” is open. New orders, payments and escrow steps show up "
                  "here and under the bell.", url="/sell/", live=False)
        do_notify(store.owner, "notice", "Orders to ship",
                  "Paid orders wait in your order list; mark them shipped there and the "
                  "buyer is told at once.", url="/sell/orders/", severity="success", live=False)
        made += 2
    return made
