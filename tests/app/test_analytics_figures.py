"""The analytics figures, exact, against orders made through the actions: direct and
escrow sales, a refund, a fiat-priced item, escrow fees, shop-day and shop-month
boundaries in a time zone east of UTC; the rollups equal the reference queries, also
after incremental refreshes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cryptoshop.analytics import queries, reference, rollup
from cryptoshop.analytics.facts import fiat_line_sats
from cryptoshop.analytics.models import BuyerMonth, StoreDay
from cryptoshop.escrow.models import Escrow
from tests.app.analytics_setup import (
    direct_store,
    escrow_store,
    happened_at,
    paid_order,
    refunded,
    released,
)
from tests.factories import FUNDED_SAT, make_account, seller_tpub

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shop(settings: Any) -> None:
    # A node that is configured (invoices need one) but never answers.
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    settings.RATE_FIXED_RATES = "USD:100000"  # $1 = 1,000 sats exactly
    settings.ESCROW_FEE_WALLET = seller_tpub(999)  # 1 % fee, at least 1,000 sats
    settings.TIME_ZONE = "Europe/Berlin"  # UTC+2 in summer: days start at 22:00 UTC


def test_fiat_shares_add_up_exactly() -> None:
    from decimal import Decimal
    assert fiat_line_sats(1000, [Decimal("1"), Decimal("1"), Decimal("1")]) == [333, 333, 334]
    assert sum(fiat_line_sats(23_077, [Decimal("9.50"), Decimal("5.50")])) == 23_077


def test_direct_sales_refund_and_fiat_item_on_shop_days() -> None:
    _, store = direct_store("Direct")
    buyer, other = make_account(), make_account()
    first = paid_order(buyer, store)  # 150,000 sats
    fiat = paid_order(other, store, price_mode="fiat", price_sat=None, price_fiat="12.34",
                      fiat_currency="USD", title="Fiat hat")  # 12,340 sats
    gone = paid_order(other, store, price_sat=40_000, title="Returned")
    refunded(gone)
    # 21:30 UTC on 30 June is 23:30 in Berlin (30 June); 22:30 UTC is already 1 July.
    happened_at(first, created=datetime(2026, 6, 30, 21, 0, tzinfo=UTC),
                paid=datetime(2026, 6, 30, 21, 30, tzinfo=UTC))
    happened_at(fiat, created=datetime(2026, 6, 30, 22, 10, tzinfo=UTC),
                paid=datetime(2026, 6, 30, 22, 30, tzinfo=UTC))
    happened_at(gone, created=datetime(2026, 7, 2, 9, 0, tzinfo=UTC),
                paid=datetime(2026, 7, 2, 9, 5, tzinfo=UTC),
                settled=datetime(2026, 7, 3, 10, 0, tzinfo=UTC))
    rollup.rebuild()
    days = {r.day: r for r in StoreDay.objects.filter(store=store)}
    assert days[date(2026, 6, 30)].settled_sat == FUNDED_SAT
    assert days[date(2026, 7, 1)].settled_sat == 12_340
    assert days[date(2026, 7, 1)].orders_created == 1
    assert days[date(2026, 7, 3)].refunds == 1 and days[date(2026, 7, 3)].refunded_sat == 40_000
    figures = queries.seller_figures(store, "month", date(2026, 7, 20))
    june, july = figures["buckets"][-2:]
    assert (june["start"], june["settled_sat"], june["paid_out_sat"]) == (date(2026, 6, 1),
                                                                         150_000, 150_000)
    assert (july["settled_sat"], july["orders_paid"], july["refunded_sat"]) == (52_340, 2,
                                                                                 40_000)
    fiat_row = next(t for t in figures["top_revenue"] if t["title"] == "Fiat hat")
    assert (fiat_row["units"], fiat_row["revenue_sat"]) == (1, 12_340)
    by_status = {s["status"]: s["orders"] for s in figures["by_status"]}
    assert by_status["paid"] == 2 and by_status["refunded"] + by_status["cancelled"] == 1
    assert figures == reference.seller_figures(store, "month", date(2026, 7, 20))


def test_escrow_release_fee_held_dispute_rate_and_median() -> None:
    _, store = escrow_store("Escrow")
    buyer, other = make_account(), make_account()
    sold = paid_order(buyer, store)
    held = paid_order(other, store, title="Still held")
    spend = released(sold, buyer)
    gross = FUNDED_SAT - spend.plan["fee_sat"]  # what is left after the network fee
    assert spend.marketplace_fee_sat == -(-gross // 100) > 1_000  # 1 %, rounded up
    fee = spend.marketplace_fee_sat
    assert spend.seller_sat + spend.marketplace_fee_sat + spend.buyer_sat == (
        FUNDED_SAT - spend.plan["fee_sat"])
    paid_at = datetime(2026, 5, 10, 8, 0, tzinfo=UTC)
    happened_at(sold, paid=paid_at, settled=paid_at + timedelta(days=3, hours=4))
    today = timezone.localdate()
    rollup.rebuild()
    figures = queries.operator_figures("year", today)
    assert figures["totals"]["fee_sat"] == fee
    assert figures["totals"]["escrow_released_sat"] == spend.seller_sat
    assert figures["escrow_held"] == {"count": 1, "sat": FUNDED_SAT}
    assert figures["median_release_seconds"] == (3 * 24 + 4) * 3600
    assert figures["totals"]["escrow_orders_paid"] == 2 and figures["totals"]["disputes"] == 0
    seller = queries.seller_figures(store, "year", today)
    [payout] = seller["payouts"]
    assert (payout["txid"], payout["sat"]) == (spend.txid, spend.seller_sat)
    assert held.escrow.status == Escrow.Status.FUNDED
    assert figures == reference.operator_figures("year", today)


def test_buyers_new_returning_and_cohorts_count_people_not_orders() -> None:
    _, store = direct_store("Cohorts")
    alice, bob = make_account(), make_account()
    a1, a2, a3 = (paid_order(alice, store) for _ in range(3))
    b1 = paid_order(bob, store)
    happened_at(a1, paid=datetime(2026, 4, 30, 21, 59, tzinfo=UTC))  # 23:59 Berlin: April
    happened_at(a2, paid=datetime(2026, 5, 3, 12, 0, tzinfo=UTC))
    happened_at(a3, paid=datetime(2026, 5, 20, 12, 0, tzinfo=UTC))  # twice in May: once
    happened_at(b1, paid=datetime(2026, 4, 30, 22, 0, tzinfo=UTC))  # 00:00 Berlin: May
    rollup.rebuild()
    figures = queries.operator_figures("month", date(2026, 6, 15))
    months = {b["month"]: (b["new"], b["returning"]) for b in figures["buyers"]}
    assert months[date(2026, 4, 1)] == (1, 0)
    assert months[date(2026, 5, 1)] == (1, 1)
    april = next(c for c in figures["cohorts"] if c["cohort"] == date(2026, 4, 1))
    assert april["size"] == 1 and april["counts"][:3] == [1, 1, 0]
    assert figures == reference.operator_figures("month", date(2026, 6, 15))


def test_incremental_refresh_equals_the_reference_and_skips_when_nothing_is_new() -> None:
    _, store = direct_store("Refresh")
    buyer = make_account()
    paid_order(buyer, store)
    rollup.rebuild()
    paid_order(make_account(), store, price_sat=7_000)
    _, other = escrow_store("Other")
    released(paid_order(buyer, other), buyer)
    assert rollup.refresh().startswith("analytics refreshed")
    today = timezone.localdate()
    for period in ("day", "week", "month", "year"):
        refreshed = queries.operator_figures(period, today)
        assert refreshed == reference.operator_figures(period, today)
        assert queries.seller_figures(store, period, today) == reference.seller_figures(
            store, period, today)
    assert refreshed["totals"]["orders_paid"] == 3
    assert refreshed["totals"]["settled_sat"] == 2 * FUNDED_SAT + 7_000
    assert BuyerMonth.objects.count() == 2  # two people, whatever the number of orders
    # An hour on, with nothing new since the last run (and its overlap): nothing is done.
    later = timezone.now() + timedelta(hours=1)
    rollup.refresh(later)
    assert rollup.refresh(later + timedelta(minutes=5)) == ""
