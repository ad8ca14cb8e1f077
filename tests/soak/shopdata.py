"""The soak's data, made and checked inside Django against the primary database:

    python -m tests.soak.shopdata seed OUT.json [--sellers N --listings N --buyers N]
    python -m tests.soak.shopdata verify LEDGER.json OUT.json

`seed` makes categories, sellers with regtest payout wallets (tpubs, so invoices get
addresses) and sat-priced listings through the domain actions (tests/factories.py), and
buyers with API sessions. `verify` reads what the load test says the shop acknowledged
(orders, payments) and reports every mismatch: orders missing or with other items or
total, payments counted other than once, invoices not settled, repeated notices."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

WORDS = ["wool", "linen", "copper", "walnut", "ceramic", "leather", "canvas", "brass"]
THINGS = ["hat", "scarf", "mug", "bowl", "wallet", "bag", "lamp", "notebook", "knife"]
# Notices that happen once per order; a second one for the same order is a duplicate.
ONCE_PER_ORDER = ("order_placed", "order_paid", "order_shipped", "payment_detected",
                  "payment_confirmed")


def seed(sellers: int, listings: int, buyers: int, hook_url: str) -> dict[str, Any]:
    from cryptoshop.accounts.sessions import create_api_session
    from cryptoshop.stores.models import Store
    from cryptoshop.webhooks.actions import WebhookInput, do_create_webhook
    from tests import factories

    rng = random.Random(16)
    cats = [factories.category(slug, slug.capitalize())
            for slug in ("home", "clothing", "kitchen", "tools")]
    shops = []
    for n in range(sellers):
        acct, store = factories.seller(f"Soak store {n}", slug=f"soak-{n}", shipping_sat=5_000)
        factories.payout(store, factories.seller_tpub(n), confirmations=1, minutes=60)
        if hook_url:
            do_create_webhook(store, WebhookInput(url=hook_url, events=["order.paid"]))
        shops.append({"storeId": store.public_id,
                      "session": create_api_session(acct.user)})
    products = []
    for n in range(listings):
        store = Store.objects.get(public_id=shops[n % sellers]["storeId"])
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(THINGS)} {n}"
        item = factories.listing(store, title=title, category=cats[n % len(cats)].slug,
                                 price_sat=rng.randrange(5_000, 30_000, 100), stock=None,
                                 tags=[rng.choice(WORDS)])
        products.append({"id": item.public_id, "storeId": store.public_id,
                         "url": f"/l/{item.public_id}/", "priceSat": item.price_sat})
    people = [{"session": create_api_session(factories.make_account().user)}
              for _ in range(buyers)]
    probe = {"session": create_api_session(factories.make_account().user)}
    return {"sellers": shops, "products": products, "buyers": people, "probe": probe,
            "words": WORDS}


def _check_orders(ledger: dict[str, Any], problems: list[str]) -> int:
    from cryptoshop.orders.models import Order

    acknowledged = ledger["orders"]
    found = {o.public_id: o for o in Order.objects.filter(
        public_id__in=[a["id"] for a in acknowledged]).prefetch_related("items__listing")}
    for ack in acknowledged:
        order = found.get(ack["id"])
        if order is None:
            problems.append(f"order {ack['id']} was acknowledged but does not exist")
            continue
        items = sorted((i.listing.public_id if i.listing else "", i.quantity)
                       for i in order.items.all())
        if items != sorted((p, q) for p, q in ack["items"]):
            problems.append(f"order {ack['id']}: items {items} != acknowledged {ack['items']}")
        if order.items_sat + order.shipping_sat != ack["itemsSat"] + ack["shippingSat"]:
            problems.append(f"order {ack['id']}: total {order.items_sat + order.shipping_sat}"
                            f" != acknowledged {ack['itemsSat'] + ack['shippingSat']}")
    return len(acknowledged)


def _check_payments(ledger: dict[str, Any], problems: list[str]) -> dict[str, int]:
    from cryptoshop.payments.models import Invoice, Payment

    counts: Counter[str] = Counter()
    for paid in ledger["payments"]:
        rows = list(Payment.objects.filter(txid=paid["txid"]))
        counts["payments"] += 1
        if len(rows) != 1:
            problems.append(f"payment {paid['txid']} counted {len(rows)} times")
            continue
        invoice = Invoice.objects.select_related("order").get(pk=rows[0].invoice_id)
        if invoice.address != paid["address"] or rows[0].value_sat != paid["amountSat"]:
            problems.append(f"payment {paid['txid']}: recorded {rows[0].value_sat} sat to "
                            f"{invoice.address}, sent {paid['amountSat']} to {paid['address']}")
        if invoice.status != Invoice.Status.SETTLED:
            problems.append(f"invoice {invoice.public_id} ({paid['txid'][:12]}…) is "
                            f"{invoice.status}, not settled")
        else:
            counts["settled"] += 1
        if invoice.order.status not in ("paid", "shipped", "completed"):
            problems.append(f"order {invoice.order.public_id} is {invoice.order.status} "
                            "after its payment settled")
    return dict(counts)


def _check_notices(problems: list[str]) -> int:
    from django.db.models import Count

    from cryptoshop.notifications.models import Notification

    repeated = (Notification.objects.filter(kind__in=ONCE_PER_ORDER)
                .values("user_id", "kind", "url").annotate(n=Count("id")).filter(n__gt=1))
    for row in repeated[:20]:
        problems.append(f"notice {row['kind']} for {row['url']} sent {row['n']} times")
    return int(Notification.objects.filter(kind__in=ONCE_PER_ORDER).count())


def verify(ledger: dict[str, Any]) -> dict[str, Any]:
    problems: list[str] = []
    orders = _check_orders(ledger, problems)
    payments = _check_payments(ledger, problems)
    notices = _check_notices(problems)
    return {"orders": orders, "payments": payments, "notices": notices, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["seed", "verify"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--sellers", type=int, default=5)
    parser.add_argument("--listings", type=int, default=60)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--hook-url", default="", help="each store's webhook (order.paid)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if args.action == "seed":
        result = seed(args.sellers, args.listings, args.buyers, args.hook_url)
    else:
        result = verify(json.loads(Path(args.paths[0]).read_text()))
    Path(args.paths[-1]).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
