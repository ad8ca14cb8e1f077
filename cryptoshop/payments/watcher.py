"""The chain watcher: follows the best chain, sees payments to invoice addresses in the
mempool and in blocks, survives reorgs, replacements and double-spends, and is safe to
kill at any instruction.

Crash safety: each block is applied in one database transaction together with the cursor
that says it was applied; payments are keyed by (txid, vout); invoice states are
recomputed from the payments, never incremented. So a restart after SIGKILL replays at
most the block in flight, and replaying is harmless.

Scale: a poll never loads the open invoices. A block's (or the mempool's new) output
scripts are looked up by index in batches (matching.py), its payments and events written
in bulk, and only the invoices whose state can have changed are recomputed (recompute).

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
from cryptoshop.chain.decode import decode_transaction
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.errors import NotFound as TxNotFound
from cryptoshop.chain.push import RECEIVED
from cryptoshop.chain.values import Transaction
from cryptoshop.payments import applying, matching, refund_watch
from cryptoshop.payments.models import Invoice, Payment, WatchedBlock, WatcherState

logger = logging.getLogger(__name__)
PaymentState = Payment.State
# On a fresh install, look this far back for payments to invoices made before the
# watcher first ran.
INITIAL_LOOKBACK = 6
UNREAD_ENCRYPTED = ("order__shipping_address", "order__buyer_note",
                    "order__buyer__totp_secret", "order__buyer__default_refund_address",
                    "order__store__owner__totp_secret",
                    "order__store__owner__default_refund_address")
# Mempool transactions fetched per batch request (and applied per database transaction).
MEMPOOL_BATCH = 500


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PollResult:
    leader: bool = True
    tip_height: int | None = None
    blocks: int = 0
    reorged: int = 0
    mempool_payments: int = 0
    # New mempool transactions applied, by where their bytes came from: pushed by the node
    # with the notification (push.py) or fetched with getrawtransaction.
    mempool_pushed: int = 0
    mempool_fetched: int = 0
    changed_invoices: list[str] = field(default_factory=list)
    changed_refunds: list[str] = field(default_factory=list)


class Watcher:
    def __init__(self, backend: ChainBackend, network: str) -> None:
        self.backend = backend
        self.network = network
        self.holder = _holder()
        # Mempool txids already applied; only those the node still lists are kept, so it
        # never outgrows the mempool.
        self._seen_mempool: set[str] = set()
        # Refunds (sellers paying buyers' refund addresses) are watched alongside invoices:
        # refund_watch.py, called at the same points of a poll.
        self._refund_touched: set[int] = set()

    # -- leadership -------------------------------------------------------------------

    def _state(self) -> WatcherState:
        row, _ = WatcherState.objects.get_or_create(name="chain",
                                                    defaults={"network": self.network})
        return row

    def acquire_lease(self) -> bool:
        """Renew or take the lease: one conditional UPDATE per poll (the row is created
        the first time only)."""
        for _ in range(2):
            now = timezone.now()
            won = WatcherState.objects.filter(
                Q(leader=self.holder) | Q(lease_until__isnull=True) | Q(lease_until__lt=now),
                name="chain",
            ).update(leader=self.holder,
                     lease_until=now + timedelta(seconds=settings.WATCHER_LEASE_SECONDS))
            if won or WatcherState.objects.filter(name="chain").exists():
                return bool(won)
            self._state()  # a fresh install: make the row, then take the lease
        return False

    def release_lease(self) -> None:
        """On a clean shutdown, let another worker take over at once."""
        WatcherState.objects.filter(name="chain", leader=self.holder).update(
            lease_until=timezone.now())

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
        for height in range(state.cursor_height + 1 if state.cursor_height is not None else 0,
                            tip.height + 1):
            block = self.backend.get_block(height)
            with transaction.atomic():
                self.apply_batch(block.transactions, touched, height=block.height,
                                         block_hash=block.hash)
                WatchedBlock.objects.update_or_create(height=block.height,
                                                      defaults={"hash": block.hash})
                WatchedBlock.objects.filter(height__lt=block.height - 200).delete()
                WatcherState.objects.filter(pk=state.pk).update(
                    cursor_height=block.height, tip_height=block.height, tip_hash=block.hash,
                    tip_time=datetime.fromtimestamp(block.time, tz=UTC))
            state.cursor_height = block.height
            result.blocks += 1
        result.mempool_payments, mempool = self._scan_mempool(touched, result)
        self._check_unconfirmed(touched, tip.height, mempool)
        result.changed_invoices = recompute(touched, tip.height, new_blocks=result.blocks > 0,
                                            reorged=result.reorged > 0)
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

    def apply_batch(self, txs: Iterable[Transaction], touched: set[int], *,
                            height: int | None, block_hash: str) -> int:
        """One batch (a block, or new mempool transactions), inside the caller's
        transaction: a handful of queries whatever its size and the open invoices."""
        txs = list(txs)
        now = timezone.now()
        found = refund_watch.apply(txs, self.network, self._refund_touched, height=height,
                                   block_hash=block_hash, now=now)
        matching.mark_double_spends(txs, touched, mined=height is not None)
        return found + matching.record_payments(txs, self.network, touched, height=height,
                                                block_hash=block_hash, now=now)

    def _scan_mempool(self, touched: set[int],
                      result: PollResult) -> tuple[int, set[str] | None]:
        """Apply the mempool transactions not seen before: those the node pushed (push.py
        left their bytes in RECEIVED) as they are, the rest fetched in batches. Returns the
        payments found and the mempool's txids (None when the node couldn't list them)."""
        try:
            txids = self.backend.get_mempool_txids()
        except ChainError as exc:
            self._note_error(f"mempool: {exc}")
            return 0, None
        listed = set(txids)
        # Bounded by the mempool: a txid is forgotten once the node no longer lists it.
        self._seen_mempool &= listed
        fresh = [t for t in txids if t not in self._seen_mempool]
        pushed = self._pushed(set(fresh))
        found = self._apply_mempool(list(pushed.values()), touched)
        result.mempool_pushed = len(pushed)
        for chunk in matching.chunks([t for t in fresh if t not in pushed], MEMPOOL_BATCH):
            try:
                raws = self.backend.get_raw_transactions(list(chunk))
            except ChainError as exc:
                self._note_error(f"mempool: {exc}")
                break  # the rest is fetched next poll
            found += self._apply_mempool([decode_transaction(raw) for raw in raws.values()],
                                         touched)
            result.mempool_fetched += len(raws)
        return found, listed

    @staticmethod
    def _pushed(fresh: set[str]) -> dict[str, Transaction]:
        """The pushed transactions among `fresh`. One pushed after the listing, or already
        applied, is dropped here: a later listing shows it and it is fetched then."""
        found: dict[str, Transaction] = {}
        for raw in RECEIVED.drain():
            try:
                tx = decode_transaction(raw)
            except ChainError:
                continue  # not a transaction after all: fetched like any other
            if tx.txid in fresh:
                found[tx.txid] = tx
        return found

    def _apply_mempool(self, txs: list[Transaction], touched: set[int]) -> int:
        found = 0
        for chunk in matching.chunks(txs, MEMPOOL_BATCH):
            with transaction.atomic():
                found += self.apply_batch(chunk, touched, height=None, block_hash="")
            self._seen_mempool.update(tx.txid for tx in chunk)
        return found

    def _check_unconfirmed(self, touched: set[int], tip_height: int,
                           mempool: set[str] | None) -> None:
        """An unconfirmed payment that is neither in the mempool nor in a block was
        replaced or dropped: it no longer counts. Those the mempool listing of this poll
        shows are fine without asking the node about each."""
        refund_watch.check_unconfirmed(self.backend, self._refund_touched, mempool)
        pending = Payment.objects.filter(state=PaymentState.MEMPOOL).values_list(
            "pk", "txid", "rbf", "invoice_id")
        for pk, txid, rbf, invoice_id in pending:
            if mempool is not None and txid in mempool:
                continue
            try:
                self.backend.get_tx_status(txid)
            except TxNotFound:
                # Neither in the mempool nor in the best chain: replaced or evicted.
                Payment.objects.filter(pk=pk, state=PaymentState.MEMPOOL).update(
                    state=PaymentState.REPLACED if rbf else PaymentState.DROPPED)
                touched.add(invoice_id)
            except ChainError:
                continue  # the node hiccupped; ask again next poll
            # Otherwise mined after this poll's tip: the next poll scans that block.


def recompute(touched: set[int], tip_height: int, *, new_blocks: bool,
              reorged: bool) -> list[str]:
    """Recompute the invoices whose state can have changed: those this poll touched, NEW
    ones whose expiry passed (time alone changes nothing else), and on a new block the
    ones still confirming (or, after a reorg, recently settled). Never every open one."""
    now = timezone.now()
    window = Q(watch_until__gt=now)
    due = Q(status=Invoice.Status.NEW, expires_at__lte=now) & window
    if new_blocks or reorged:
        due |= Q(status=Invoice.Status.PROCESSING) & window
    if reorged:
        due |= Q(status=Invoice.Status.SETTLED, settled_at__gt=now - timedelta(hours=2))
    ids = set(touched) | set(Invoice.objects.filter(due).values_list("pk", flat=True))
    changed: list[str] = []
    with transaction.atomic():
        for chunk in matching.chunks(sorted(ids)):
            # Without the encrypted columns nothing here reads (each would be decrypted).
            invoices = (Invoice.objects.filter(pk__in=chunk)
                        .select_related("order__buyer", "order__store__owner")
                        .defer(*UNREAD_ENCRYPTED))
            changed += [i.public_id for i in applying.apply_states(
                invoices, tip_height, now=now, tick_processing=new_blocks)]
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
