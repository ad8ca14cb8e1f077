"""Handing out receive addresses from a store's watch-only wallet.

Gap limit: wallets (Electrum, Sparrow, hardware) stop looking after ~20 unused addresses
in a row. So an address is taken only when an invoice is created (checkout is committed),
and an address whose invoice expired unpaid goes back to the pool once its watch window
is over; the lowest free index is reused first."""

from __future__ import annotations

from functools import lru_cache

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from cryptoshop.btc.descriptors import WalletDescriptor, parse_wallet_descriptor
from cryptoshop.payments.models import AddressSlot, Invoice, PaymentSettings
from cryptoshop.realtime import address_room, close_room


@lru_cache(maxsize=256)
def _wallet(descriptor: str, network: str) -> WalletDescriptor:
    # Parsing a descriptor (checksum, key decoding, branch derivation) cost ~17 % of
    # invoice creation in the benchmark; the parsed wallet is immutable, so keep it.
    return parse_wallet_descriptor(descriptor, network)


def take_slot(ps: PaymentSettings) -> AddressSlot:
    """The lowest free recycled address, or the next new one. Safe under concurrency: the
    free slot is claimed with a conditional UPDATE, the new index with F() + 1. Inside the
    caller's transaction (invoice creation) it adds no savepoint: nothing here is retried
    after a database error, so there is nothing to roll back to."""
    with transaction.atomic(savepoint=False):
        while True:
            free = (AddressSlot.objects.filter(settings=ps, state=AddressSlot.State.FREE)
                    .order_by("index").first())
            if free is None:
                break
            if AddressSlot.objects.filter(pk=free.pk, state=AddressSlot.State.FREE).update(
                    state=AddressSlot.State.IN_USE):
                free.state = AddressSlot.State.IN_USE
                # The address moves on to a new invoice: whoever still listens to its live
                # room (an earlier buyer) leaves it before the new invoice's first event.
                close_room(address_room(free.address))
                return free
        index = _claim_next_index(ps)
        wallet = _wallet(ps.descriptor, ps.network)
        spk = wallet.script_pubkey(index)
        return AddressSlot.objects.create(settings=ps, index=index, address=wallet.address(index),
                                          script_pubkey=spk.hex())


def _claim_next_index(ps: PaymentSettings) -> int:
    """Increment the wallet's next index and return the one claimed, in one statement
    where the database can return the new value (SQLite ≥ 3.35, PostgreSQL)."""
    if not connection.features.can_return_columns_from_insert:
        PaymentSettings.objects.filter(pk=ps.pk).update(next_index=F("next_index") + 1)
        ps.refresh_from_db(fields=["next_index"])
        return ps.next_index - 1
    table = connection.ops.quote_name(PaymentSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET next_index = next_index + 1 "  # noqa: S608 - our table
                       "WHERE id = %s RETURNING next_index", [ps.pk])
        row = cursor.fetchone()
    ps.next_index = int(row[0])
    return ps.next_index - 1


def recycle_unpaid_addresses() -> int:
    """Free the addresses of invoices whose watch window ended without any payment."""
    now = timezone.now()
    freed = 0
    candidates = AddressSlot.objects.filter(state=AddressSlot.State.IN_USE).exclude(
        invoices__watch_until__gt=now)
    for slot in candidates:
        invoices = Invoice.objects.filter(slot=slot)
        if invoices.filter(payments__isnull=False).exists():
            AddressSlot.objects.filter(pk=slot.pk).update(state=AddressSlot.State.USED)
            continue
        if AddressSlot.objects.filter(pk=slot.pk, state=AddressSlot.State.IN_USE).update(
                state=AddressSlot.State.FREE):
            freed += 1
            close_room(address_room(slot.address))  # nobody's address until it is reused
    return freed
