"""Network statistics of the configured node, cached briefly, and the fee rate escrow
payouts are planned at. Figures come from our own node only: when it can't answer, the
caller is told so (``StatsUnavailable``), never given a made-up number."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from cryptoshop.chain import configured
from cryptoshop.chain.errors import ChainError
from cryptoshop.chain.values import NetworkStats

log = logging.getLogger(__name__)

CACHE_KEY = "chain:network-stats"
# A failure is remembered for a short while too, so a public endpoint can't turn a down
# node into a stream of connection attempts.
FAILURE_SECONDS = 10


class StatsUnavailable(Exception):
    """The node can't give its statistics now; the message says why, for a person."""


def network_stats() -> NetworkStats:
    """The node's statistics, at most ``NETWORK_STATS_CACHE_SECONDS`` old."""
    found = cache.get(CACHE_KEY)
    if isinstance(found, NetworkStats):
        return found
    if isinstance(found, str):
        raise StatsUnavailable(found)
    try:
        stats = configured.backend().network_stats()
    except configured.ChainNotConfigured as exc:
        message = f"No chain node is configured: {exc}"
    except ChainError as exc:
        message = f"The Bitcoin node is unavailable: {exc}"
    else:
        cache.set(CACHE_KEY, stats, settings.NETWORK_STATS_CACHE_SECONDS)
        return stats
    cache.set(CACHE_KEY, message, FAILURE_SECONDS)
    raise StatsUnavailable(message)


@dataclass(frozen=True)
class PayoutRate:
    sat_vb: int
    source: str  # estimatesmartfee, mempool, esplora, or "default" (the node couldn't say)
    estimate_sat_vb: int | None  # the estimate before the operator's bounds, if there was one


PAYOUT_TIER = "hour"  # ~6 blocks: payouts are not urgent, but shouldn't wait for days


def payout_fee_rate() -> PayoutRate:
    """The fee rate for an escrow payout: the node's ~1-hour estimate (its estimator, or
    its mempool's tiers on btcd), within ESCROW_FEE_RATE_MIN..MAX; the configured default
    when the node can't estimate. Asked fresh (not cached): a payout is rare and should
    see the mempool as it is now."""
    low, high = settings.ESCROW_FEE_RATE_MIN, settings.ESCROW_FEE_RATE_MAX
    estimate: int | None = None
    source = "default"
    try:
        tiers, _ = configured.backend().fee_tiers()
        estimate, source = tiers.tiers_sat_vb[PAYOUT_TIER], tiers.source
    except (configured.ChainNotConfigured, ChainError) as exc:
        log.warning("no fee estimate for a payout (%s); using the default rate", exc)
    rate = estimate if estimate is not None else settings.ESCROW_FEE_RATE_DEFAULT
    return PayoutRate(max(low, min(high, rate)), source, estimate)


_SOURCE_LABELS = {
    "estimatesmartfee": "the node's fee estimator (estimatesmartfee)",
    "mempool": "the node's mempool (its fee rates, block by block)",
    "esplora": "the Esplora server's fee estimates",
    "default": "the operator's default rate: the node couldn't estimate",
}


def fee_source_label(source: str) -> str:
    """Where a fee rate came from, said for a person ("" for rates stored before this)."""
    return _SOURCE_LABELS.get(source, source)
