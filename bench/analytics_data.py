"""Bulk data for bench_analytics.py: a marketplace with N orders over three years, written
with raw INSERTs (executemany) straight into the tables — not through the actions, which
would take hours at a million orders. Rows carry what the analytics read: orders and their
items, settled invoices (direct ones with an address slot), escrows with confirmed
payouts (seller share and marketplace fee), escrow refunds, disputes, direct refunds.

One store in ten of the orders' weight is "the largest seller" (10 % of all orders);
one store in five takes escrow payments. Deterministic (a fixed seed)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction

BATCH = 20_000


def ts(instant: datetime) -> str:
    """An aware UTC datetime as SQLite's Django backend stores it."""
    return instant.strftime("%Y-%m-%d %H:%M:%S.%f")


class Inserter:
    """executemany INSERTs of a model's rows: the columns a row names, the field's default
    (prepared once) for every other column."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.primary_key:
                continue
            default = f.get_default()
            self.defaults[f.attname] = (None if default is None
                                        else f.get_db_prep_save(default, connection))
        self.rows: list[tuple[Any, ...]] = []
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        # Identifiers from the model, quoted by the backend; values go as parameters.
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def add(self, **values: Any) -> None:
        self.rows.append(tuple(values.get(f.attname, self.defaults.get(f.attname))
                               for f in self.fields))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []


@dataclass
class Shop:
    stores: list[int] = field(default_factory=list)
    escrow_stores: set[int] = field(default_factory=set)
    listings: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    slots: dict[int, int] = field(default_factory=dict)
    buyers: list[int] = field(default_factory=list)
    largest: int = 0
    next_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, name: str) -> int:
        self.next_ids[name] = self.next_ids.get(name, 0) + 1
        return self.next_ids[name]


def _shop(rng: random.Random, stores: int, buyers: int, per_store: int) -> Shop:
    from cryptoshop.accounts.models import User
    from cryptoshop.catalog.models import Category, Listing
    from cryptoshop.payments.models import AddressSlot, PaymentSettings
    from cryptoshop.stores.models import Store

    shop = Shop()
    categories = [Category.objects.create(name=f"Category {n}", slug=f"bench-cat-{n}").pk
                  for n in range(20)]
    users = Inserter(User)
    for n in range(stores + buyers):
        uid = shop.next_id("user")
        users.add(id=uid, public_id=f"u_bench{uid:012d}", token_hash=f"{uid:064x}",
                  password="!")  # noqa: S106 - Django's "no usable password" mark
        (shop.stores if n < stores else shop.buyers).append(uid)
    users.flush()
    owner_ids, shop.stores = shop.stores, []
    store_rows, listing_rows = Inserter(Store), Inserter(Listing)
    settings_rows, slot_rows = Inserter(PaymentSettings), Inserter(AddressSlot)
    for n, owner in enumerate(owner_ids):
        sid = shop.next_id("store")
        store_rows.add(id=sid, public_id=f"s_bench{sid:010d}", owner_id=owner,
                       name=f"Bench store {sid}", slug=f"bench-store-{sid}",
                       created_at=ts(datetime(2020, 1, 1)), updated_at=ts(datetime(2020, 1, 1)),
                       rating_distribution=json.dumps({}))
        shop.stores.append(sid)
        if n % 5 == 4:
            shop.escrow_stores.add(sid)
        settings_rows.add(id=sid, store_id=sid, network="regtest", descriptor="bench",
                          mode="escrow" if sid in shop.escrow_stores else "direct",
                          updated_at=ts(datetime(2020, 1, 1)))
        slot_rows.add(id=sid, settings_id=sid, index=0, address=f"bcrt1qbenchslot{sid}",
                      script_pubkey=f"0014{sid:040x}", state="used")
        shop.listings[sid] = []
        for _ in range(per_store):
            lid = shop.next_id("listing")
            price = rng.choice((5_000, 12_000, 25_000, 60_000, 150_000, 400_000))
            title = f"Bench listing {lid}"
            listing_rows.add(id=lid, public_id=f"l_bench{lid:010d}", store_id=sid, title=title,
                             slug=f"bench-listing-{lid}", category_id=rng.choice(categories),
                             price_sat=price, status="active",
                             created_at=ts(datetime(2020, 1, 1)),
                             updated_at=ts(datetime(2020, 1, 1)))
            shop.listings[sid].append((lid, price, title))
    for ins in (store_rows, listing_rows, settings_rows, slot_rows):
        ins.flush()
    shop.largest = shop.stores[0]
    return shop


@dataclass
class Writers:
    orders: Inserter
    items: Inserter
    invoices: Inserter
    escrows: Inserter
    spends: Inserter
    disputes: Inserter
    refunds: Inserter

    def flush(self) -> None:
        for ins in vars(self).values():
            ins.flush()


def _writers() -> Writers:
    from cryptoshop.escrow.models import Dispute, Escrow, Spend
    from cryptoshop.orders.models import Order, OrderItem
    from cryptoshop.payments.models import Invoice, Refund

    return Writers(*(Inserter(m) for m in (Order, OrderItem, Invoice, Escrow, Spend, Dispute,
                                           Refund)))


def _pick_store(rng: random.Random, shop: Shop) -> int:
    return shop.largest if rng.random() < 0.10 else rng.choice(shop.stores)


def _pick_buyer(rng: random.Random, shop: Shop) -> int:
    # Half the orders come from a tenth of the buyers: returning customers.
    pool = shop.buyers[: len(shop.buyers) // 10] if rng.random() < 0.5 else shop.buyers
    return rng.choice(pool)


STATUSES: Sequence[tuple[str, float]] = (("completed", 0.60), ("shipped", 0.10), ("paid", 0.10),
                                         ("refunded", 0.05), ("expired", 0.10),
                                         ("cancelled", 0.05))


def _status(rng: random.Random) -> str:
    x, acc = rng.random(), 0.0
    for status, share in STATUSES:
        acc += share
        if x < acc:
            return status
    return "completed"


def write_orders(rng: random.Random, shop: Shop, count: int, start: datetime,
                 end: datetime) -> int:
    """``count`` orders created between ``start`` and ``end`` (their invoices settle ten
    minutes later; payouts and refunds confirm days later, but never after ``end``)."""
    w = _writers()
    span = (end - start).total_seconds()
    with transaction.atomic():
        for _ in range(count):
            created = start + timedelta(seconds=rng.random() * span)
            _one(rng, shop, w, created, end)
        w.flush()
    return count


def _one(rng: random.Random, shop: Shop, w: Writers, created: datetime, end: datetime) -> None:
    sid = _pick_store(rng, shop)
    lid, price, title = rng.choice(shop.listings[sid])
    qty = rng.choice((1, 1, 1, 2, 3))
    total = price * qty
    status = _status(rng)
    oid = shop.next_id("order")
    w.orders.add(id=oid, public_id=f"o_bench{oid:012d}", buyer_id=_pick_buyer(rng, shop),
                 store_id=sid, status=status, items_sat=total, total_sat=total,
                 reserved_until=ts(created + timedelta(minutes=15)), created_at=ts(created),
                 updated_at=ts(created))
    w.items.add(id=shop.next_id("item"), order_id=oid, listing_id=lid, title=title,
                kind="physical", quantity=qty, unit_price_sat=price)
    if status in ("expired", "cancelled"):
        return
    escrow = sid in shop.escrow_stores
    settled = created + timedelta(minutes=10)
    iid = shop.next_id("invoice")
    w.invoices.add(id=iid, public_id=f"i_bench{iid:012d}", order_id=oid,
                   slot_id=None if escrow else sid, network="regtest",
                   address=f"bcrt1qbench{iid}", script_pubkey=f"0014{iid:040x}",
                   amount_sat=total, status="settled", paid_sat=total, confirmed_sat=total,
                   required_confirmations=1, tolerance_percent="0", created_at=ts(created),
                   expires_at=ts(created + timedelta(minutes=15)),
                   watch_until=ts(created + timedelta(days=1)), settled_at=ts(settled))
    later = min(end, settled + timedelta(hours=rng.randint(24, 14 * 24)))
    if escrow:
        _escrow(rng, shop, w, oid, total, status, settled, later)
    elif status == "refunded":
        w.refunds.add(id=shop.next_id("refund"), public_id=f"r_bench{iid:012d}", order_id=oid,
                      invoice_id=iid, kind="cancel", network="regtest",
                      address=f"bcrt1qbenchr{iid}", script_pubkey="00", amount_sat=total,
                      received_sat=total, confirmed_sat=total, required_confirmations=1,
                      status="confirmed", txids=json.dumps([]), created_at=ts(settled),
                      updated_at=ts(later), confirmed_at=ts(later))


def _escrow(rng: random.Random, shop: Shop, w: Writers, oid: int, total: int, status: str,
            settled: datetime, later: datetime) -> None:
    eid = shop.next_id("escrow")
    escrow_status = {"completed": "released", "refunded": "refunded"}.get(status, "funded")
    disputed = escrow_status == "funded" and rng.random() < 0.1
    w.escrows.add(id=eid, public_id=f"e_bench{eid:012d}", order_id=oid, network="regtest",
                  index=eid, descriptor="bench", address=f"bcrt1qbenche{eid}",
                  script_pubkey="00", fee_bps=100, fee_min_sat=1000, auto_release_days=14,
                  status="disputed" if disputed else escrow_status, funded_sat=total,
                  created_at=ts(settled))
    if disputed:
        w.disputes.add(id=shop.next_id("dispute"), escrow_id=eid, opened_by="buyer",
                       reason="bench", created_at=ts(later))
    if escrow_status == "funded":
        return
    network_fee, fee = 300, max(1000, -(-(total - 300) // 100))
    kind, shares = (("release", {"seller_sat": total - network_fee - fee,
                                 "marketplace_fee_sat": fee})
                    if escrow_status == "released"
                    else ("refund", {"buyer_sat": total - network_fee}))
    w.spends.add(id=shop.next_id("spend"), escrow_id=eid, kind=kind, signer="buyer",
                 plan=json.dumps({"outputs": []}), psbt="", unsigned_txid=f"{eid:064x}",
                 fee_rate_sat_vb=2, status="confirmed", txid=f"{eid:064x}",
                 created_at=ts(later), broadcast_at=ts(later), confirmed_at=ts(later),
                 **shares)


def build(count: int, now: datetime, seed: int = 14) -> Shop:
    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    shop = _shop(rng, stores=200, buyers=max(1000, count // 7), per_store=25)
    yesterday_end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = yesterday_end - timedelta(days=3 * 365)
    done = 0
    while done < count:
        part = min(100_000, count - done)
        # In time order, so each chunk of rows lands in its stretch of the three years.
        lo = start + (yesterday_end - start) * (done / count)
        hi = start + (yesterday_end - start) * ((done + part) / count)
        done += write_orders(rng, shop, part, lo, hi)
    return shop

