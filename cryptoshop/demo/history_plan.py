"""The demo history's plan (seed_history.py runs it): when each order was placed, at which
store, by which buyer, and how it ended — from a fixed seed, relative to ``now``.

Shape: ORDERS orders over the last DAYS days; the daily rate grows over the months, is
higher at weekends and in the evening, and November and July are busier. About six in ten
orders come from a new buyer; the others from one who bought before. Most orders are paid
and go on to shipping and receipt; some are cancelled, some expire unpaid, a few are
refunded by the seller. Orders at an escrow store in the last ESCROW_DAYS days are paid
into escrow (the stores switched then); two of those are disputed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from embit.bip32 import HDKey

from cryptoshop.accounts.models import User
from cryptoshop.btc.descriptors import WalletDescriptor, parse_wallet_descriptor
from cryptoshop.btc.keys import account_xpub, key_origin, root_from_mnemonic
from cryptoshop.btc.networks import REGTEST
from cryptoshop.catalog.models import Listing
from cryptoshop.escrow.keys import do_register_key, key_of

SEED = 2026
ORDERS = 240
DAYS = 240
FIRST_DAY = 2  # nothing from the last two days: no order is left waiting for a payment
ESCROW_DAYS = 35
DISPUTES = 2
MAX_ORDERS_PER_BUYER = 8
# The demo buyers' wallet and escrow keys: another public BIP39 test vector (regtest only;
# the sellers' is the "abandon … about" one), so a buyer's key never looks like a seller's.
BUYER_MNEMONIC = ("legal winner thank year wave sausage worth useful legal winner thank "
                  "yellow")
WEEKDAY = (0.8, 0.85, 0.9, 0.95, 1.15, 1.4, 1.25)  # Monday … Sunday
HOURS = [0.2] * 7 + [0.6, 0.9, 1, 1, 1, 1.1, 1.1, 1, 1, 1.1, 1.3, 1.6, 2, 2.2, 2, 1.4, 0.7]
BUSY_MONTHS = {11: 1.6, 7: 1.3, 12: 1.2}
STORE_WEIGHT = {"cold-storage-co": 30, "hashrate-hardware": 18, "orange-pill-books": 20,
                "highland-roasters": 20, "stackers-apparel": 12}


@dataclass
class Planned:
    at: datetime
    store: str
    buyer: int  # index in the order buyers first appear
    outcome: str  # completed, refunded, disputed, cancelled_unpaid, cancelled, expired
    escrow: bool
    rand: random.Random

    def minutes(self, low: int, high: int) -> int:
        return self.rand.randint(low, high)


def _day_weight(day: datetime, days_ago: int) -> float:
    growth = 0.25 + 0.75 * ((DAYS - days_ago) / (DAYS - FIRST_DAY)) ** 1.3
    return float(growth * WEEKDAY[day.weekday()] * BUSY_MONTHS.get(day.month, 1.0))


def _times(rng: random.Random, now: datetime) -> list[datetime]:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    days = [start - timedelta(days=d) for d in range(FIRST_DAY, DAYS + 1)]
    weights = [_day_weight(day, d) for d, day in zip(range(FIRST_DAY, DAYS + 1), days,
                                                      strict=True)]
    picked = rng.choices(days, weights, k=ORDERS)
    hours = rng.choices(range(24), HOURS, k=ORDERS)
    return sorted(day + timedelta(hours=h, minutes=rng.randrange(60), seconds=rng.randrange(60))
                  for day, h in zip(picked, hours, strict=True))


def _outcome(rng: random.Random, escrow: bool, disputes: int) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "cancelled_unpaid"
    if roll < 0.09:
        return "cancelled"
    if roll < 0.16:
        return "expired"
    if escrow:
        return "disputed" if disputes < DISPUTES and roll > 0.9 else "completed"
    return "refunded" if roll < 0.2 else "completed"


def plan(rng: random.Random, now: datetime, stores: list[str],
         escrow_stores: set[str]) -> list[Planned]:
    weights = [STORE_WEIGHT.get(s, 10) for s in stores]
    switch = now - timedelta(days=ESCROW_DAYS)
    counts: list[int] = []
    planned: list[Planned] = []
    disputes = 0
    for at in _times(rng, now):
        store = rng.choices(stores, weights)[0]
        returning = [i for i, n in enumerate(counts) if n < MAX_ORDERS_PER_BUYER]
        if returning and rng.random() < 0.4:
            # Buyers who came back before are likelier to come back again.
            buyer = rng.choices(returning, [counts[i] for i in returning])[0]
        else:
            buyer = len(counts)
            counts.append(0)
        counts[buyer] += 1
        escrow = store in escrow_stores and at >= switch
        outcome = _outcome(rng, escrow, disputes)
        disputes += outcome == "disputed"
        planned.append(Planned(at, store, buyer, outcome, escrow,
                               random.Random(rng.getrandbits(64))))  # noqa: S311 (demo data, not secrets)
    return planned


def pick_items(listings: list[Listing],
               p: Planned) -> list[tuple[Listing, int]]:
    """One item mostly; sometimes two of it, sometimes a second listing."""
    first = p.rand.choice(listings)
    roll = p.rand.random()
    if roll < 0.12 and len(listings) > 1:
        second = p.rand.choice([x for x in listings if x.pk != first.pk])
        return [(first, 1), (second, 1)]
    return [(first, 2 if roll < 0.22 else 1)]


@lru_cache(maxsize=1)
def _buyer_root() -> HDKey:
    return root_from_mnemonic(BUYER_MNEMONIC, REGTEST)


@lru_cache(maxsize=1)
def _refund_wallet() -> WalletDescriptor:
    root = _buyer_root()
    return parse_wallet_descriptor(
        key_origin(root, "m/84h/1h/0h") + account_xpub(root, "m/84h/1h/0h", REGTEST), REGTEST)


def refund_address(index: int) -> str:
    """A demo buyer's refund address (their single-key wallet, one address per order)."""
    return _refund_wallet().address(index)


def give_escrow_key(buyer: User, index: int) -> None:
    """The demo buyer's escrow key (an account of the buyers' test vector), once."""
    if key_of(buyer) is not None:
        return
    path = f"m/48h/1h/{index}h/2h"
    root = _buyer_root()
    do_register_key(buyer, key_origin(root, path) + account_xpub(root, path, REGTEST),
                    kind="external")
