"""Fee-rate tiers, percentiles and the hash-rate estimate: exact figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cryptoshop.btc.fees import (
    MempoolEntry,
    hashrate_estimate,
    mempool_fees,
    projected_blocks,
    weighted_percentile,
)


def test_small_mempool_fits_one_block() -> None:
    entries = [MempoolEntry(1410, 141), MempoolEntry(2820, 141), MempoolEntry(5000, 200),
               MempoolEntry(705, 141), MempoolEntry(300, 141)]  # 10, 20, 25, 5, 2.13→3
    fees = mempool_fees(entries)
    # Block 1 ascending: 3 (141), 5 (282), 10 (423) ≥ 382 = half of 764 → 10.
    assert fees.tiers_sat_vb == {"nextBlock": 10, "halfHour": 1, "hour": 1, "economy": 1}
    assert fees.percentiles_sat_vb == {10: 3, 25: 5, 50: 10, 75: 25, 90: 25}
    assert (fees.count, fees.vsize, fees.total_fee_sat) == (5, 764, 10235)
    assert fees.projected_block_count == 1


def test_three_full_blocks() -> None:
    # 30 transactions of 100 000 vB at 60, 59 … 31 sat/vB: blocks of 60-51, 50-41, 40-31.
    entries = [MempoolEntry(rate * 100_000, 100_000) for rate in range(31, 61)]
    fees = mempool_fees(entries)
    assert fees.projected_block_count == 3
    assert fees.tiers_sat_vb == {"nextBlock": 55, "halfHour": 35, "hour": 1, "economy": 1}
    assert fees.percentiles_sat_vb == {10: 33, 25: 38, 50: 45, 75: 53, 90: 57}
    assert fees.vsize == 3_000_000


def test_floor_lifts_tiers() -> None:
    fees = mempool_fees([MempoolEntry(200, 200)], floor_sat_vb=2)
    assert fees.tiers_sat_vb == {"nextBlock": 2, "halfHour": 2, "hour": 2, "economy": 2}
    assert fees.percentiles_sat_vb[50] == 1  # percentiles say what the mempool holds


def test_empty_mempool() -> None:
    fees = mempool_fees([])
    assert fees.tiers_sat_vb == {"nextBlock": 1, "halfHour": 1, "hour": 1, "economy": 1}
    assert fees.percentiles_sat_vb == {10: None, 25: None, 50: None, 75: None, 90: None}
    assert (fees.count, fees.vsize, fees.projected_block_count) == (0, 0, 0)


def test_a_transaction_that_does_not_fit_opens_the_next_block() -> None:
    blocks = projected_blocks([MempoolEntry(6000, 600), MempoolEntry(5400, 600),
                               MempoolEntry(2400, 300)], block_vsize=1000)
    assert [[e.fee_sat for e in b] for b in blocks] == [[6000], [5400, 2400]]


def test_rates_are_ordered_exactly_and_rounded_up() -> None:
    # 1001/1000 and 1000/1000 both round up/down differently; ordering uses exact ratios.
    low, high = MempoolEntry(1000, 1000), MempoolEntry(1001, 1000)
    assert (low.rate_sat_vb, high.rate_sat_vb) == (1, 2)
    assert [e.fee_sat for e in projected_blocks([low, high])[0]] == [1001, 1000]
    assert weighted_percentile([low, high], 50) == 1
    assert weighted_percentile([low, high], 51) == 2


def test_bad_entries_refused() -> None:
    with pytest.raises(ValueError):
        mempool_fees([MempoolEntry(100, 0)])
    with pytest.raises(ValueError):
        mempool_fees([MempoolEntry(-1, 100)])


def test_hashrate_estimate() -> None:
    assert hashrate_estimate(1) == 7_158_278  # 2**32 / 600, rounded down
    assert hashrate_estimate(Decimal("102289407543323.8")) == 732_216_100_209_652_373_564
    assert hashrate_estimate(Decimal("4.656542373906925E-10")) == 0  # regtest
    with pytest.raises(TypeError):
        hashrate_estimate(1.5)  # type: ignore[arg-type]
