"""The chain watcher's part for refunds: outputs paying an open refund's address (the
buyer's refund address) are recorded as RefundPayments, with the same rules as invoice
payments: keyed by (txid, vout) so replays are harmless, turned back to unconfirmed when
their block leaves the best chain, marked replaced/dropped/conflicted when they vanish,
and the refund's state recomputed from them, never incremented. Called by watcher.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from cryptoshop.chain.base import ChainBackend
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.errors import NotFound as TxNotFound
from cryptoshop.chain.values import Transaction
from cryptoshop.payments import refunds
from cryptoshop.payments.matching import chunks
from cryptoshop.payments.models import Payment, Refund, RefundPayment

PaymentState = Payment.State
# A confirmed refund stays watched this long, so a reorg that drops its block and mines
# its transaction again in another block is seen (the invoices' watch window, longer).
KEEP_WATCHING = timedelta(days=7)


def watched_refunds(scripts: Iterable[str], network: str, now: datetime) -> dict[str, Refund]:
    """scriptPubKey hex -> refund, for those of `scripts` that an open refund, or a recently
    confirmed one, pays to (an open refund wins an address; check_start_refund allows one
    open refund per address). Looked up by the indexed script, in chunks."""
    recent = now - KEEP_WATCHING
    found: list[Refund] = []
    for chunk in chunks(sorted(set(scripts))):
        found += Refund.objects.filter(script_pubkey__in=chunk, network=network).filter(
            Q(status__in=refunds.OPEN) | Q(status=Refund.Status.CONFIRMED,
                                           confirmed_at__gt=recent))
    ordered = sorted(found, key=lambda r: (r.status in refunds.OPEN, r.created_at))
    return {r.script_pubkey: r for r in ordered}


def apply(txs: Sequence[Transaction], network: str, touched: set[int], *,
          height: int | None, block_hash: str, now: datetime) -> int:
    """Record the outputs of `txs` that pay a watched refund address (inside the caller's
    block transaction)."""
    found = 0
    pending = RefundPayment.objects.filter(state=PaymentState.MEMPOOL).values_list(
        "txid", "refund_id", "inputs")
    spent_by = {outpoint: (txid, refund_id) for txid, refund_id, inputs in pending
                for outpoint in inputs}
    watched = watched_refunds((o.script_pubkey for tx in txs for o in tx.outputs), network, now)
    if not spent_by and not watched:
        return 0  # the usual case: no refund pending nor paid in this batch
    for tx in txs:
        for txin in tx.inputs if spent_by else ():
            other = spent_by.get(f"{txin.prev_txid}:{txin.prev_vout}")
            if other is not None and other[0] != tx.txid:
                RefundPayment.objects.filter(txid=other[0], state=PaymentState.MEMPOOL).update(
                    state=PaymentState.CONFLICTED if height is not None
                    else PaymentState.REPLACED)
                touched.add(other[1])
        if not watched:
            continue
        for out in tx.outputs:
            refund = watched.get(out.script_pubkey)
            if refund is None:
                continue
            payment, created = RefundPayment.objects.get_or_create(
                txid=tx.txid, vout=out.n,
                defaults={"refund": refund, "value_sat": out.value_sat, "rbf": tx.signals_rbf,
                          "inputs": [f"{i.prev_txid}:{i.prev_vout}" for i in tx.inputs],
                          "state": (PaymentState.CONFIRMED if height is not None
                                    else PaymentState.MEMPOOL),
                          "block_height": height, "block_hash": block_hash})
            if not created and height is not None:
                RefundPayment.objects.filter(pk=payment.pk).update(
                    state=PaymentState.CONFIRMED, block_height=height, block_hash=block_hash)
            if created or height is not None:
                touched.add(payment.refund_id)
                found += 1
    return found


def unwind_block(block_hash: str, touched: set[int]) -> None:
    """The block left the best chain: its refund payments are unconfirmed again."""
    orphaned = RefundPayment.objects.filter(block_hash=block_hash)
    touched.update(orphaned.values_list("refund_id", flat=True))
    orphaned.update(block_height=None, block_hash="", state=PaymentState.MEMPOOL)


def check_unconfirmed(backend: ChainBackend, touched: set[int],
                      mempool: set[str] | None) -> None:
    """An unconfirmed refund payment in neither the mempool nor a block no longer counts
    (one the poll's mempool listing shows is fine without asking)."""
    for payment in RefundPayment.objects.filter(state=PaymentState.MEMPOOL):
        if mempool is not None and payment.txid in mempool:
            continue
        try:
            backend.get_tx_status(payment.txid)
        except TxNotFound:
            RefundPayment.objects.filter(pk=payment.pk, state=PaymentState.MEMPOOL).update(
                state=PaymentState.REPLACED if payment.rbf else PaymentState.DROPPED)
            touched.add(payment.refund_id)
        except ChainError:
            continue  # the node hiccupped; ask again next poll


def recompute(touched: set[int], tip_height: int) -> list[str]:
    candidates = Refund.objects.filter(Q(pk__in=touched) | Q(status=Refund.Status.SEEN))
    changed = []
    for refund in candidates.prefetch_related("payments").select_related(
            "order__store__owner", "order__buyer", "invoice"):
        with transaction.atomic():
            if refunds.apply_refund_state(refund, tip_height):
                changed.append(refund.public_id)
    return changed
