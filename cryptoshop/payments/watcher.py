"""The chain watcher: follows the best chain, sees payments to invoice addresses in the
mempool and in blocks, survives reorgs, replacements and double-spends, and is safe to
kill at any instruction.

Crash safety: each block is applied in one database transaction together with the cursor
that says it was applied; payments are keyed by (txid, vout); invoice states are
recomputed from the payments, never incremented. So a restart after SIGKILL replays at
most the block in flight, and replaying is harmless.

One leader: every poll first renews a lease row with a conditional UPDATE; a second worker
(or web process) whose lease attempt fails does nothing."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cryptoshop.chain import configured
from cryptoshop.chain.base import ChainBackend
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.errors import NotFound as TxNotFound
from cryptoshop.chain.values import Transaction
from cryptoshop.payments import actions, refund_watch
from cryptoshop.payments.models import Invoice, Payment, Refund, WatchedBlock, WatcherState

logger = logging.getLogger(__name__)
PaymentState = Payment.State
# On a fresh install, look this far back for payments to invoices made before the
# watcher first ran.
INITIAL_LOOKBACK = 6


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PollResult:
    leader: bool = True
    tip_height: int | None = None
    blocks: int = 0
    reorged: int = 0
    mempool_payments: int = 0
    changed_invoices: list[str] = field(default_factory=list)
    changed_refunds: list[str] = field(default_factory=list)


class Watcher:
    def __init__(self, backend: ChainBackend, network: str) -> None:
        self.backend = backend
        self.network = network
        self.holder = _holder()
        self._seen_mempool: set[str] = set()
        # Refunds (sellers paying buyers' refund addresses) are watched alongside invoices:
        # refund_watch.py, called at the same points of a poll.
        self._refunds: dict[str, Refund] = {}
        self._refund_touched: set[int] = set()

    # -- leadership -------------------------------------------------------------------

    def _state(self) -> WatcherState:
        row, _ = WatcherState.objects.get_or_create(name="chain",
                                                    defaults={"network": self.network})
        return row

    def acquire_lease(self) -> bool:
        self._state()
        now = timezone.now()
        won = WatcherState.objects.filter(
            Q(leader=self.holder) | Q(lease_until__isnull=True) | Q(lease_until__lt=now),
            name="chain",
        ).update(leader=self.holder,
                 lease_until=now + timedelta(seconds=settings.WATCHER_LEASE_SECONDS))
        return bool(won)

    def release_lease(self) -> None:
        """On a clean shutdown, let another worker take over at once."""
        WatcherState.objects.filter(name="chain", leader=self.holder).update(
            lease_until=timezone.now())

    # -- watched set --------------------------------------------------------------------

    def _watched(self) -> dict[str, Invoice]:
        """scriptPubKey hex -> invoice, for every invoice still inside its watch window."""
        now = timezone.now()
        invoices = Invoice.objects.filter(watch_until__gt=now, network=self.network).exclude(
            status=Invoice.Status.INVALID, paid_sat=0)
        return {inv.script_pubkey: inv for inv in invoices.order_by("created_at")}

    # -- one poll -----------------------------------------------------------------------

    def poll(self) -> PollResult:
        if not self.acquire_lease():
            return PollResult(leader=False)
        result = PollResult()
        try:
            tip = self.backend.get_tip()
        except ChainError as exc:
            self._note_error(str(exc))
            raise
        result.tip_height = tip.height
        state = self._state()
        touched: set[int] = set()
        self._refund_touched = set()
        if state.cursor_height is None:
            first = Invoice.objects.filter(created_height__isnull=False).order_by(
                "created_height").values_list("created_height", flat=True).first()
            start = tip.height - INITIAL_LOOKBACK if first is None else min(first, tip.height)
            state.cursor_height = max(0, start - 1)
            state.save(update_fields=["cursor_height"])
        result.reorged = self._unwind_reorg(state, touched)
        watched = self._watched()
        self._refunds = refund_watch.watched_refunds(self.network)
        for height in range(state.cursor_height + 1 if state.cursor_height is not None else 0,
                            tip.height + 1):
            block = self.backend.get_block(height)
            with transaction.atomic():
                self._apply_transactions(block.transactions, watched, touched,
                                         height=block.height, block_hash=block.hash)
                WatchedBlock.objects.update_or_create(height=block.height,
                                                      defaults={"hash": block.hash})
                WatchedBlock.objects.filter(height__lt=block.height - 200).delete()
                WatcherState.objects.filter(pk=state.pk).update(
                    cursor_height=block.height, tip_height=block.height, tip_hash=block.hash,
                    tip_time=datetime.fromtimestamp(block.time, tz=UTC))
            state.cursor_height = block.height
            result.blocks += 1
        result.mempool_payments = self._scan_mempool(watched, touched)
        self._check_unconfirmed(touched, tip.height)
        result.changed_invoices = self._recompute(touched, tip.height, new_blocks=result.blocks)
        result.changed_refunds = refund_watch.recompute(self._refund_touched, tip.height)
        WatcherState.objects.filter(pk=state.pk).update(last_poll_at=timezone.now(),
                                                        last_error="")
        return result

    def _note_error(self, message: str) -> None:
        WatcherState.objects.filter(name="chain").update(last_error=message[:300],
                                                         last_poll_at=timezone.now())

    def _unwind_reorg(self, state: WatcherState, touched: set[int]) -> int:
        """Walk back while our stored block at the cursor is no longer in the best chain."""
        undone = 0
        while state.cursor_height is not None and state.cursor_height >= 0:
            stored = WatchedBlock.objects.filter(height=state.cursor_height).first()
            if stored is None:
                break
            try:
                best = self.backend.get_block_hash(state.cursor_height)
            except ChainError:
                best = ""
            if best == stored.hash:
                break
            logger.warning("reorg: block %s at height %d left the best chain", stored.hash,
                           stored.height)
            with transaction.atomic():
                orphaned = Payment.objects.filter(block_hash=stored.hash)
                touched.update(orphaned.values_list("invoice_id", flat=True))
                # Back to unconfirmed; the mempool scan or a later block decides what
                # happened to them.
                orphaned.update(block_height=None, block_hash="", state=PaymentState.MEMPOOL)
                refund_watch.unwind_block(stored.hash, self._refund_touched)
                stored.delete()
                state.cursor_height -= 1
                WatcherState.objects.filter(pk=state.pk).update(
                    cursor_height=state.cursor_height)
            undone += 1
        if undone:
            self._seen_mempool.clear()
        return undone

    def _apply_transactions(self, txs: Iterable[Transaction], watched: dict[str, Invoice],
                            touched: set[int], *, height: int | None,
                            block_hash: str) -> int:
        txs = list(txs)
        found = refund_watch.apply(txs, self._refunds, self._refund_touched, height=height,
                                   block_hash=block_hash)
        pending = {p.pk: p for p in Payment.objects.filter(state=PaymentState.MEMPOOL)}
        spent_by_pending = {outpoint: p for p in pending.values() for outpoint in p.inputs}
        for tx in txs:
            # Double-spend: another transaction spends an input of a pending payment.
            for txin in tx.inputs:
                other = spent_by_pending.get(f"{txin.prev_txid}:{txin.prev_vout}")
                if other is not None and other.txid != tx.txid:
                    new_state = (PaymentState.CONFLICTED if height is not None
                                 else PaymentState.REPLACED)
                    Payment.objects.filter(txid=other.txid, state=PaymentState.MEMPOOL).update(
                        state=new_state)
                    touched.add(other.invoice_id)
            for out in tx.outputs:
                invoice = watched.get(out.script_pubkey)
                if invoice is None:
                    continue
                payment, created = Payment.objects.get_or_create(
                    txid=tx.txid, vout=out.n,
                    defaults={"invoice": invoice, "value_sat": out.value_sat,
                              "rbf": tx.signals_rbf,
                              "inputs": [f"{i.prev_txid}:{i.prev_vout}" for i in tx.inputs],
                              "state": (PaymentState.CONFIRMED if height is not None
                                        else PaymentState.MEMPOOL),
                              "block_height": height, "block_hash": block_hash})
                if not created and height is not None:
                    Payment.objects.filter(pk=payment.pk).update(
                        state=PaymentState.CONFIRMED, block_height=height, block_hash=block_hash)
                if created or height is not None:
                    touched.add(invoice.pk)
                    found += 1
                    if height is not None:
                        actions.record(invoice, "transaction_mined", txid=tx.txid,
                                       detail=f"{out.value_sat} sat in block {height}")
        return found

    def _scan_mempool(self, watched: dict[str, Invoice], touched: set[int]) -> int:
        try:
            txids = self.backend.get_mempool_txids()
        except ChainError as exc:
            self._note_error(f"mempool: {exc}")
            return 0
        fresh = [t for t in txids if t not in self._seen_mempool]
        found = 0
        for txid in fresh:
            try:
                tx = self.backend.get_transaction(txid)
            except ChainError:
                continue  # left the mempool meanwhile
            with transaction.atomic():
                found += self._apply_transactions([tx], watched, touched, height=None,
                                                  block_hash="")
            self._seen_mempool.add(txid)
        if len(self._seen_mempool) > 200_000:
            self._seen_mempool = set(txids)
        return found

    def _check_unconfirmed(self, touched: set[int], tip_height: int) -> None:
        """An unconfirmed payment that is neither in the mempool nor in a block was
        replaced or dropped: it no longer counts."""
        refund_watch.check_unconfirmed(self.backend, self._refund_touched)
        for payment in Payment.objects.filter(state=PaymentState.MEMPOOL):
            try:
                status = self.backend.get_tx_status(payment.txid)
            except TxNotFound:
                # Neither in the mempool nor in the best chain: replaced or evicted.
                Payment.objects.filter(pk=payment.pk, state=PaymentState.MEMPOOL).update(
                    state=PaymentState.REPLACED if payment.rbf else PaymentState.DROPPED)
                touched.add(payment.invoice_id)
                continue
            except ChainError:
                continue  # the node hiccupped; ask again next poll
            if status.block_hash is not None and status.block_height is not None and (
                    status.block_height > tip_height):
                continue  # mined after this poll's tip: the next poll scans that block

    def _recompute(self, touched: set[int], tip_height: int, *, new_blocks: int) -> list[str]:
        now = timezone.now()
        candidates = Invoice.objects.filter(
            Q(pk__in=touched)
            | Q(status__in=[Invoice.Status.NEW, Invoice.Status.PROCESSING], watch_until__gt=now)
            | Q(status=Invoice.Status.SETTLED, settled_at__gt=now - timedelta(hours=2)))
        changed = []
        for invoice in candidates.prefetch_related("payments").select_related("order"):
            with transaction.atomic():
                if actions.apply_state(invoice, tip_height, now=now):
                    changed.append(invoice.public_id)
                elif new_blocks and invoice.status == Invoice.Status.PROCESSING:
                    actions.record(invoice, "confirmation_update", to_status=invoice.status,
                                   detail=f"tip {tip_height}")
        return changed


def run_once() -> PollResult | None:
    """The periodic job: one poll with the configured backend (None when not configured)."""
    try:
        backend = configured.backend()
    except configured.ChainNotConfigured:
        return None
    watcher = _watcher_for(backend, configured.network())
    return watcher.poll()


_watchers: dict[int, Watcher] = {}


def lag_blocks() -> int:
    """How far the cursor is behind the tip the watcher last saw (0 when caught up)."""
    state = WatcherState.objects.filter(name="chain").values("tip_height", "cursor_height").first()
    if not state or state["tip_height"] is None or state["cursor_height"] is None:
        return 0
    return max(0, state["tip_height"] - state["cursor_height"])


def release() -> None:
    for watcher in _watchers.values():
        watcher.release_lease()


def _watcher_for(backend: ChainBackend, network: str) -> Watcher:
    key = id(backend)
    if key not in _watchers:
        _watchers[key] = Watcher(backend, network)
    return _watchers[key]
