"""Fee-rate estimates from a mempool, and a hash-rate estimate from the difficulty.

Pure arithmetic over what a node reports (no Django, no network), so the figures are
exact and unit-testable. Rates are integer sat/vB, always rounded *up* from the exact
ratio ``fee_sat / vsize``: an estimate that rounds down could leave a payout a hair under
the rate that would have got it into a block.

How the tiers are made (the choice, documented in docs/api.md):

- The mempool is sorted by fee rate, highest first, and cut into projected blocks of
  ``BLOCK_VSIZE`` (1,000,000 vB, a block's whole weight budget) greedily: a transaction
  that doesn't fit in what is left of a block opens the next one. Dependencies between
  unconfirmed transactions (CPFP packages) are ignored: each is ranked on its own rate.
- The estimate for a target of *n* blocks is the vsize-weighted median fee rate of
  projected block *n*: paying that puts a transaction in the middle of that block. When
  the mempool doesn't reach block *n*, anything at the relay floor (``floor_sat_vb``,
  1 sat/vB by default) confirms within *n* blocks, so the floor is the estimate.
- Targets: next block (1), ~30 minutes (3), ~1 hour (6), economy (~1 day, 144).
- Percentiles (10, 25, 50, 75, 90) are vsize-weighted over the whole mempool, by nearest
  rank: the rate of the first transaction, in ascending order, at which the running
  vsize reaches p% of the total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import cmp_to_key

BLOCK_VSIZE = 1_000_000
TARGETS: dict[str, int] = {"nextBlock": 1, "halfHour": 3, "hour": 6, "economy": 144}
PERCENTILES = (10, 25, 50, 75, 90)
MIN_RELAY_SAT_VB = 1
TEN_MINUTES = 600


@dataclass(frozen=True)
class MempoolEntry:
    fee_sat: int
    vsize: int

    @property
    def rate_sat_vb(self) -> int:
        """The fee rate, rounded up to whole sat/vB."""
        return -(-self.fee_sat // self.vsize)


def _checked(entries: Iterable[MempoolEntry]) -> list[MempoolEntry]:
    out = []
    for entry in entries:
        if entry.vsize <= 0 or entry.fee_sat < 0:
            raise ValueError(f"bad mempool entry: {entry}")
        out.append(entry)
    return out


def _by_rate_desc(entries: Sequence[MempoolEntry]) -> list[MempoolEntry]:
    # Exact ordering of fee/vsize ratios (cross-multiplied, no rounding), highest first.
    def cmp(a: MempoolEntry, b: MempoolEntry) -> int:
        return b.fee_sat * a.vsize - a.fee_sat * b.vsize

    return sorted(entries, key=cmp_to_key(cmp))


def projected_blocks(entries: Iterable[MempoolEntry],
                     block_vsize: int = BLOCK_VSIZE) -> list[list[MempoolEntry]]:
    """The mempool cut into blocks from the highest fee rate down (greedy, see above)."""
    blocks: list[list[MempoolEntry]] = []
    current: list[MempoolEntry] = []
    used = 0
    for entry in _by_rate_desc(_checked(entries)):
        if current and used + entry.vsize > block_vsize:
            blocks.append(current)
            current, used = [], 0
        current.append(entry)
        used += entry.vsize
    if current:
        blocks.append(current)
    return blocks


def weighted_percentile(entries: Sequence[MempoolEntry], percent: int) -> int | None:
    """The vsize-weighted nearest-rank percentile of the entries' fee rates (sat/vB, up)."""
    if not entries:
        return None
    if not 0 < percent <= 100:
        raise ValueError("percent must be in 1..100")
    ordered = list(reversed(_by_rate_desc(entries)))
    total = sum(e.vsize for e in ordered)
    running = 0
    for entry in ordered:
        running += entry.vsize
        if running * 100 >= total * percent:
            return entry.rate_sat_vb
    return ordered[-1].rate_sat_vb  # pragma: no cover (the loop always returns)


@dataclass(frozen=True)
class MempoolFees:
    """Fee-rate estimates (sat/vB) per named target, and the mempool's percentiles."""

    tiers_sat_vb: dict[str, int]
    percentiles_sat_vb: dict[int, int | None]
    count: int
    vsize: int
    total_fee_sat: int
    projected_block_count: int


def mempool_fees(entries: Iterable[MempoolEntry], *,
                 floor_sat_vb: int = MIN_RELAY_SAT_VB,
                 block_vsize: int = BLOCK_VSIZE) -> MempoolFees:
    """Tiers and percentiles from a mempool snapshot (see the module's docstring)."""
    checked = _checked(entries)
    blocks = projected_blocks(checked, block_vsize)
    tiers: dict[str, int] = {}
    for name, target in TARGETS.items():
        median = weighted_percentile(blocks[target - 1], 50) if len(blocks) >= target else None
        tiers[name] = max(floor_sat_vb, median if median is not None else floor_sat_vb)
    return MempoolFees(
        tiers_sat_vb=tiers,
        percentiles_sat_vb={p: weighted_percentile(checked, p) for p in PERCENTILES},
        count=len(checked), vsize=sum(e.vsize for e in checked),
        total_fee_sat=sum(e.fee_sat for e in checked), projected_block_count=len(blocks))


def hashrate_estimate(difficulty: Decimal | int) -> int:
    """Hashes per second implied by the difficulty at one block per ten minutes:
    ``difficulty * 2**32 / 600``, rounded down (exact Decimal arithmetic, no float)."""
    if isinstance(difficulty, float | bool):
        raise TypeError("difficulty must be a Decimal or int, not float")
    value = Decimal(difficulty)
    if value < 0:
        raise ValueError("difficulty must not be negative")
    with localcontext() as ctx:
        ctx.prec = 80  # exact for any difficulty a node reports (17 significant digits)
        return int((value * 2**32) // TEN_MINUTES)
