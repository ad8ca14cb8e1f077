"""core/bulk.py: the watcher's INSERTs without bulk_create's per-row work write the same
rows, skip duplicates when asked, and hand back the ids in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cryptoshop.core.bulk import insert_returning_ids, insert_rows
from cryptoshop.notifications.models import Notification
from cryptoshop.payments.models import Invoice, Payment
from tests.factories import make_account, make_order, seller

pytestmark = pytest.mark.django_db


def _payment(invoice_id: int, vout: int) -> Payment:
    return Payment(txid="ab" * 32, vout=vout, invoice_id=invoice_id, value_sat=1_000 + vout,
                   rbf=True, state=Payment.State.MEMPOOL, block_height=None, block_hash="",
                   seen_at=timezone.now(), inputs=[f"{'cd' * 32}:{vout}"])


def _invoice_id() -> int:
    _, store = seller()
    order = make_order(make_account().user, store)
    now = timezone.now()
    return Invoice.objects.create(order=order, network="regtest", address="bcrt1qx",
                                  script_pubkey="0014" + "00" * 20, amount_sat=1_000,
                                  required_confirmations=1, tolerance_percent=Decimal(0),
                                  expires_at=now, watch_until=now).pk


def test_rows_are_written_as_the_orm_reads_them_and_duplicates_skipped() -> None:
    invoice_id = _invoice_id()
    insert_rows([_payment(invoice_id, 0), _payment(invoice_id, 1)])
    # A replay: the same outputs again, plus a new one.
    insert_rows([_payment(invoice_id, 1), _payment(invoice_id, 2)], ignore_conflicts=True)
    rows = list(Payment.objects.order_by("vout"))
    assert [(p.vout, p.value_sat, p.rbf, p.inputs) for p in rows] == [
        (n, 1_000 + n, True, [f"{'cd' * 32}:{n}"]) for n in range(3)]
    assert all(p.seen_at is not None and p.block_height is None for p in rows)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([_payment(invoice_id, 0)])  # without ignore_conflicts: refused


def test_ids_come_back_in_order() -> None:
    user = make_account().user
    notices = [Notification(user=user, kind="k", title=f"n{n}", text=f"notice {n}")
               for n in range(150)]  # more than one statement's worth of parameters
    insert_returning_ids(notices)
    assert len({n.pk for n in notices}) == 150
    assert all(Notification.objects.get(pk=n.pk).title == n.title for n in notices)


def test_only_plain_values_of_django_own_fields_skip_the_field_prep() -> None:
    """The short cut (values stored as they are) must never reach a field that
    transforms its value: an encrypted column still gets ciphertext, a choice enum its
    plain string, a datetime the database's format."""
    from cryptoshop.core.bulk import _converter
    from cryptoshop.orders.models import Order

    encrypt = _converter(Order._meta.get_field("shipping_address"))
    assert encrypt("1 Secret Lane") not in ("1 Secret Lane", None)
    status = _converter(Payment._meta.get_field("state"))
    assert status(Payment.State.MEMPOOL) == "mempool" and type(status("x")) is str
    assert _converter(Payment._meta.get_field("invoice"))(7) == 7
    seen = _converter(Payment._meta.get_field("seen_at"))
    now = timezone.now()
    assert seen(now) == Payment._meta.get_field("seen_at").get_db_prep_save(
        now, connection)
    inputs = _converter(Payment._meta.get_field("inputs"))
    assert inputs(["a:0"]) != ["a:0"]  # JSON: the field's own adaptation
