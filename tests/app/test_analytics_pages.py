"""The sales pages: who may see what (a seller only their store's figures; the operator
page for staff with 2FA only), the charts and tables in the HTML, the CSV downloads, the
period switcher's bad input, and how many queries each page makes."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from cryptoshop.analytics import rollup
from tests.app.analytics_setup import direct_store, paid_order
from tests.app.moderation_setup import log_in
from tests.factories import make_account, operator
from tests.queries import assert_database_query_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _node(settings: Any) -> None:
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"


@pytest.fixture
def two_sellers() -> dict[str, Any]:
    seller_a, store_a = direct_store("Alpha")
    seller_b, store_b = direct_store("Beta")
    buyer = make_account()
    paid_order(buyer, store_a, price_sat=111_111, title="Alpha lamp")
    paid_order(buyer, store_b, price_sat=222_222, title="Beta chair")
    rollup.rebuild()
    return {"a": seller_a, "b": seller_b, "store_a": store_a}


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_seller_sees_only_their_own_figures(client: Client, two_sellers: dict[str, Any]) -> None:
    log_in(client, two_sellers["a"])
    page = client.get("/sell/overview/?period=day")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Alpha lamp" in html and "111,111 sats" in html
    assert "Beta chair" not in html and "222,222" not in html
    assert 'data-testid="chart-received"' in html and "<svg viewBox=" in html
    assert 'href="/sell/overview/"' in html  # first in the seller's nav
    rows = _csv(client.get("/sell/overview/?period=day&format=csv&table=top-revenue"))
    assert rows[0] == ["listing_id", "title", "units", "revenue_sat"]
    assert [r[1:] for r in rows[1:]] == [["Alpha lamp", "1", "111111"]]


def test_the_csv_downloads_name_their_file(client: Client, two_sellers: dict[str, Any]) -> None:
    log_in(client, two_sellers["a"])
    response = client.get("/sell/overview/?period=month&format=csv&table=sales")
    slug = two_sellers["store_a"].slug
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{slug}-month-sales.csv"')
    rows = _csv(response)
    assert rows[0][:4] == ["period_start", "orders_created", "orders_paid", "settled_sat"]
    assert len(rows) == 1 + 12 and rows[-1][3] == "111111"
    assert client.get("/sell/overview/?format=csv&table=nope").status_code == 400
    assert client.get("/sell/overview/?period=fortnight").status_code == 200  # month view


def test_nobody_else_reaches_the_operator_page(client: Client, two_sellers: dict[str, Any]) -> None:
    assert client.get("/staff/analytics/").status_code == 404
    log_in(client, two_sellers["a"])
    assert client.get("/staff/analytics/").status_code == 404
    assert client.get("/staff/analytics/?format=csv&table=sales").status_code == 404
    no_2fa = Client()
    log_in(no_2fa, operator(two_factor=False))
    assert no_2fa.get("/staff/analytics/")["Location"] == "/accounts/2fa/"
    assert client.get("/sell/overview/").status_code == 200
    assert Client().get("/sell/overview/").status_code == 302  # to the login page


def test_the_operator_page_shows_aggregates_and_exports_cohorts(two_sellers: dict[str, Any]) -> None:
    staff = Client()
    log_in(staff, operator())
    html = staff.get("/staff/analytics/?period=year").content.decode()
    assert "333,333 sats" in html  # both stores' revenue
    for chart in ("revenue", "fees", "top-revenue", "categories", "buyers-new"):
        assert f'data-testid="chart-{chart}"' in html
    assert 'href="/staff/analytics/"' in html  # in the Staff menu
    rows = _csv(staff.get("/staff/analytics/?format=csv&table=buyers"))
    assert rows[0] == ["month", "new_buyers", "returning_buyers"]
    assert rows[-1][1:] == ["1", "0"]  # one buyer, two orders: one new buyer
    cohorts = _csv(staff.get("/staff/analytics/?format=csv&table=cohorts"))
    assert cohorts[0][:3] == ["cohort_month", "buyers", "month_0"]
    assert cohorts[-1][1:3] == ["1", "1"]
    assert not any(two_sellers["a"].user.public_id in ",".join(r) for r in cohorts)


def test_query_counts_do_not_grow_with_the_data(two_sellers: dict[str, Any]) -> None:
    seller = Client()
    log_in(seller, two_sellers["a"])
    staff = Client()
    log_in(staff, operator())
    # Seller: session, user, store, days, listings, statuses, escrow held, two payout
    # lists; then the page header's four (cart, unread notices, unread messages, store).
    with assert_database_query_count(13):
        assert seller.get("/sell/overview/").status_code == 200
    # Operator: session, user, days, listings, category names, release count, cohorts,
    # escrow held, rollup state; then the page header's four. (One more, the median's
    # offset, once any escrow was released.)
    with assert_database_query_count(13):
        assert staff.get("/staff/analytics/").status_code == 200
    for _ in range(3):
        paid_order(make_account(), two_sellers["store_a"], price_sat=5_000)
    rollup.rebuild()
    with assert_database_query_count(13):
        seller.get("/sell/overview/")
    with assert_database_query_count(13):
        staff.get("/staff/analytics/")
