"""The watcher's work on a batch of transactions (one block, or the new part of the
mempool): which outputs pay a watched invoice, the payments they make, and double-spends
of pending payments. The cost follows the batch, never the number of open invoices: the
batch's output scripts are looked up by the indexed `Invoice.script_pubkey` in chunks, and
a block's payments are written with a few bulk queries. Called by watcher.py inside the
transaction that applies the block."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from cryptoshop.chain.values import Transaction, TxOut
from cryptoshop.payments.applying import Event, record_many
from cryptoshop.payments.models import Invoice, Payment

PaymentState = Payment.State
# Values per `IN (…)` lookup: well inside SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def watched_invoices(scripts: Iterable[str], network: str, now: datetime) -> dict[str, int]:
    """scriptPubKey hex -> invoice id, for those of `scripts` that an invoice inside its
    watch window pays to (a reused address: the newest invoice wins). An index lookup per
    script: the cost grows with the batch, not with the open invoices."""
    owners: dict[str, int] = {}
    for chunk in chunks(sorted(set(scripts))):
        rows = (Invoice.objects.filter(script_pubkey__in=chunk, network=network,
                                       watch_until__gt=now)
                .exclude(status=Invoice.Status.INVALID, paid_sat=0)
                .order_by("created_at", "pk").values_list("script_pubkey", "pk"))
        for script, pk in rows:
            owners[script] = pk  # ordered oldest first: the newest one stays
    return owners


def mark_double_spends(txs: Sequence[Transaction], touched: set[int], *,
                       mined: bool) -> None:
    """A transaction spending an input of a pending (unconfirmed) payment's transaction
    replaces it (mempool) or double-spends it (block): the payment stops counting."""
    pending = Payment.objects.filter(state=PaymentState.MEMPOOL).values_list(
        "txid", "invoice_id", "inputs")
    spent_by: dict[str, tuple[str, int]] = {}
    for txid, invoice_id, inputs in pending:
        for outpoint in inputs:
            spent_by[outpoint] = (txid, invoice_id)
    if not spent_by:
        return
    lost: set[str] = set()
    for tx in txs:
        for txin in tx.inputs:
            other = spent_by.get(f"{txin.prev_txid}:{txin.prev_vout}")
            if other is not None and other[0] != tx.txid:
                lost.add(other[0])
                touched.add(other[1])
    for chunk in chunks(sorted(lost)):
        Payment.objects.filter(txid__in=chunk, state=PaymentState.MEMPOOL).update(
            state=PaymentState.CONFLICTED if mined else PaymentState.REPLACED)


def record_payments(txs: Sequence[Transaction], network: str, touched: set[int], *,
                    height: int | None, block_hash: str, now: datetime) -> int:
    """Store the outputs of `txs` that pay watched invoices (new ones in one bulk insert;
    ones seen unconfirmed before marked mined in one update) and announce the mined ones.
    Returns how many payments were new or newly mined."""
    owners = watched_invoices((out.script_pubkey for tx in txs for out in tx.outputs),
                              network, now)
    if not owners:
        return 0
    hits: list[tuple[Transaction, TxOut, int]] = [
        (tx, out, owners[out.script_pubkey])
        for tx in txs for out in tx.outputs if out.script_pubkey in owners]
    known: dict[tuple[str, int], tuple[int, int]] = {}
    for chunk in chunks(sorted({tx.txid for tx, _, _ in hits})):
        for pk, txid, vout, invoice_id in Payment.objects.filter(txid__in=chunk).values_list(
                "pk", "txid", "vout", "invoice_id"):
            known[(txid, vout)] = (pk, invoice_id)
    state = PaymentState.CONFIRMED if height is not None else PaymentState.MEMPOOL
    fresh = [Payment(txid=tx.txid, vout=out.n, invoice_id=invoice_id, value_sat=out.value_sat,
                     rbf=tx.signals_rbf, state=state, block_height=height,
                     block_hash=block_hash, seen_at=now,
                     inputs=[f"{i.prev_txid}:{i.prev_vout}" for i in tx.inputs])
             for tx, out, invoice_id in hits if (tx.txid, out.n) not in known]
    Payment.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=CHUNK)
    touched.update(p.invoice_id for p in fresh)
    if height is None:
        return len(fresh)
    seen_before = [known[(tx.txid, out.n)] for tx, out, _ in hits if (tx.txid, out.n) in known]
    for pks in chunks([pk for pk, _ in seen_before]):
        Payment.objects.filter(pk__in=pks).update(
            state=PaymentState.CONFIRMED, block_height=height, block_hash=block_hash)
    touched.update(invoice_id for _, invoice_id in seen_before)
    touched.update(invoice_id for _, _, invoice_id in hits)
    _announce_mined(hits, height)
    return len(hits)


def _announce_mined(hits: list[tuple[Transaction, TxOut, int]], height: int) -> None:
    invoices: dict[int, Invoice] = {}
    for chunk in chunks(sorted({invoice_id for _, _, invoice_id in hits})):
        invoices.update((i.pk, i) for i in Invoice.objects.filter(pk__in=chunk)
                        .select_related("order"))
    record_many(Event(invoices[invoice_id], "transaction_mined", txid=tx.txid,
                      detail=f"{out.value_sat} sat in block {height}")
                for tx, out, invoice_id in hits)
