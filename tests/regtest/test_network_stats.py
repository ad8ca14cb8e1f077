"""Scenario: btcd has no fee estimator, so /api/blockchain/stats and /network/ answer with
tiers of its mempool (source "mempool"). Three payments at 2, 5 and 20 sat/vB wait in the
mempool; the figures are checked against the transactions themselves, decoded here, and
an escrow payout is planned at the mempool's rate."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from cryptoshop.btc.fees import hashrate_estimate
from cryptoshop.chain import netstats
from cryptoshop.chain.regtest import RegtestNode
from tests.regtest.node_steps import log, rpc_settings

pytestmark = [pytest.mark.regtest, pytest.mark.django_db]


def _fee_and_vsize(node: RegtestNode, txid: str) -> tuple[int, int]:
    tx = node.rpc.get_transaction(txid)
    spent = sum(node.rpc.get_transaction(i.prev_txid).outputs[i.prev_vout].value_sat
                for i in tx.inputs)
    return spent - tx.total_out_sat, tx.vsize


def test_stats_on_btcd_come_from_the_mempool(btcd_node: RegtestNode) -> None:
    with rpc_settings(btcd_node):
        cache.clear()
        btcd_node.mine(3)  # three more mature coinbases: one coin per payment
        assert btcd_node.rpc.get_mempool_txids() == []
        log.info("Three payments at 2, 5 and 20 sat/vB wait in btcd's mempool")
        txids = [btcd_node.fund(btcd_node.miner_address, 50_000, sat_per_vb=rate)
                 for rate in (2, 5, 20)]
        measured = [_fee_and_vsize(btcd_node, t) for t in txids]
        rates = [-(-fee // vsize) for fee, vsize in measured]  # sat/vB, rounded up
        log.info("fees and vsizes: %s -> %s sat/vB", measured, rates)
        assert rates[0] < rates[1] < rates[2]
        answer = Client().get("/api/blockchain/stats")
        assert answer.status_code == 200, answer.content
        data = answer.json()["data"]
        log.info("stats: %s", data)
        tip = btcd_node.rpc.get_tip()
        difficulty = btcd_node.rpc.get_difficulty()
        assert (data["height"], data["tipHash"]) == (tip.height, tip.hash)
        assert data["difficulty"] == str(difficulty)
        # btcd reports regtest's difficulty as 1 (relative to its own proof-of-work limit).
        assert data["hashrateHs"] == hashrate_estimate(difficulty) == 7_158_278
        assert data["mempool"] == {"count": 3, "vsize": sum(v for _, v in measured)}
        fees = data["fees"]
        assert fees["source"] == "mempool"
        # One projected block holds all three (~141 vB each, about a third each): its
        # median is the middle rate; the later tiers are the 1 sat/vB relay floor.
        assert (fees["nextBlockSatVb"], fees["halfHourSatVb"], fees["hourSatVb"],
                fees["economySatVb"]) == (rates[1], 1, 1, 1)
        assert fees["percentilesSatVb"] == {"p10": rates[0], "p25": rates[0],
                                            "p50": rates[1], "p75": rates[2],
                                            "p90": rates[2]}
        log.info("The page shows the same figures and their source")
        page = Client().get("/network/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "the node&#x27;s mempool" in html and f">{tip.height}<" in html
        assert "7,158,278 H/s (≈ 7.15 MH/s)" in html
        log.info("An escrow payout is planned at the mempool's ~1-hour rate")
        rate = netstats.payout_fee_rate()
        assert (rate.sat_vb, rate.source, rate.estimate_sat_vb) == (1, "mempool", 1)
        cache.clear()
