"""Fiat-priced listings sort and filter with everybody else, in sats at the current rate: the
maintained estimate (Listing.sort_price_sat, catalog/pricing.py) follows the rate refresh job,
cards say "≈ N sats", and the API gives every listing `priceSatEstimate`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cryptoshop.catalog.models import Listing
from cryptoshop.catalog.pricing import refresh_estimates
from cryptoshop.core import jobs
from cryptoshop.rates.registry import RATES_REFRESHED
from tests.factories import listing, seller
from tests.price_server import PriceServer, serve_all

pytestmark = pytest.mark.django_db

DEMO_RATES = "USD:65000,EUR:60000"  # as `make run`


@pytest.fixture
def shop(settings: Any) -> dict[str, Listing]:
    settings.RATE_FIXED_RATES = DEMO_RATES
    _, store = seller("Garden Shop", "garden-shop")
    return {
        "cheap": listing(store, "Seed tray", price_sat=10_000),
        "coffee": listing(store, "Decaf seed coffee", price_mode="fiat", price_sat=None,
                          price_fiat="9.50", fiat_currency="EUR"),
        "herbs": listing(store, "Herb Garden Seed Kit", price_mode="fiat", price_sat=None,
                         price_fiat="15.00", fiat_currency="USD"),
        "mid": listing(store, "Seed drill", price_sat=30_000),
        "dear": listing(store, "Seed vault", price_sat=240_000),
    }


def _api_titles(client: Client, query: str) -> list[str]:
    body = client.get(f"/api/products?{query}").json()
    assert body["success"] is True, body
    return [p["title"] for p in body["data"]]


def _page_titles(client: Client, query: str) -> list[str]:
    html = client.get(f"/search/?{query}").content.decode()
    return re.findall(r'<h3[^>]*><a href="/l/[^"]+"\s+class="hover:underline">([^<]+)</a>', html)


def test_fiat_listings_get_a_sats_estimate_at_the_current_rate(shop: dict[str, Listing]) -> None:
    for item in shop.values():
        item.refresh_from_db()
    # 15.00 USD at 65,000 USD/BTC = 23,076.92… sats; 9.50 EUR at 60,000 = 15,833.33… sats.
    assert shop["herbs"].price_sat_estimate == 23_077
    assert shop["coffee"].price_sat_estimate == 15_833
    assert shop["dear"].price_sat_estimate == 240_000  # a sats price is its own estimate


def test_sorting_and_price_filters_compare_everybody_in_sats(shop: dict[str, Listing],
                                                             client: Client) -> None:
    cheapest_first = ["Seed tray", "Decaf seed coffee", "Herb Garden Seed Kit", "Seed drill",
                      "Seed vault"]
    assert _page_titles(client, "q=seed&sortBy=price") == cheapest_first
    assert _api_titles(client, "q=seed&sortBy=price") == cheapest_first
    # Price high to low: the page's menu value, and the API's two ways of asking.
    assert _page_titles(client, "q=seed&sortBy=priceDesc") == cheapest_first[::-1]
    assert _api_titles(client, "q=seed&sortBy=priceDesc") == cheapest_first[::-1]
    assert _api_titles(client, "q=seed&sortBy=price&sortOrder=desc") == cheapest_first[::-1]
    # maxPrice=30000 keeps the $15 kit (~23,077 sats) and the €9.50 coffee.
    assert _page_titles(client, "q=seed&sortBy=price&maxPrice=30000") == cheapest_first[:4]
    assert _api_titles(client, "sortBy=price&minPrice=15000&maxPrice=24000") == [
        "Decaf seed coffee", "Herb Garden Seed Kit"]


def test_cards_and_the_sort_menu(shop: dict[str, Listing], client: Client) -> None:
    html = client.get("/search/?q=seed&sortBy=priceDesc").content.decode()
    assert "$15.00" in html and "≈ 23,077 sats" in html
    assert "€9.50" in html and "≈ 15,833 sats" in html
    assert '<option value="priceDesc" selected>Price: high to low</option>' in html
    assert '<option value="price" >Price: low to high</option>' in html
    listing_page = client.get(f"/l/{shop['herbs'].public_id}/{shop['herbs'].slug}/")
    assert "≈ 23,077 sats" in listing_page.content.decode()


def test_the_api_gives_every_listing_a_price_sat_estimate(shop: dict[str, Listing],
                                                          client: Client) -> None:
    data = client.get("/api/products?sortBy=price&limit=10").json()["data"]
    by_title = {p["title"]: p for p in data}
    assert by_title["Herb Garden Seed Kit"]["priceSatEstimate"] == 23_077
    assert by_title["Herb Garden Seed Kit"]["priceSat"] is None
    assert by_title["Seed vault"]["priceSatEstimate"] == by_title["Seed vault"]["priceSat"]
    one = client.get(f"/api/products/{shop['coffee'].public_id}").json()["data"]
    assert one["priceSatEstimate"] == 15_833 and one["priceFiat"] == "9.50"
    assert [p["priceSatEstimate"] for p in data] == sorted(p["priceSatEstimate"] for p in data)


def test_estimates_follow_the_rate_and_are_null_without_one(shop: dict[str, Listing],
                                                            settings: Any,
                                                            client: Client) -> None:
    assert refresh_estimates in RATES_REFRESHED  # wired by catalog/wiring.py
    refresh = jobs._jobs["refresh_rates"].run  # the periodic job `serve` runs
    settings.RATE_FIXED_RATES = "USD:30000,EUR:60000"  # the dollar lost half its value
    refresh()
    shop["herbs"].refresh_from_db()
    assert shop["herbs"].price_sat_estimate == 50_000
    assert _api_titles(client, "q=seed&sortBy=price") == [
        "Seed tray", "Decaf seed coffee", "Seed drill", "Herb Garden Seed Kit", "Seed vault"]

    settings.RATE_FIXED_RATES = "EUR:60000"  # no dollar rate at all
    refresh()
    data = {p["title"]: p for p in client.get("/api/products?q=seed").json()["data"]}
    assert data["Herb Garden Seed Kit"]["priceSatEstimate"] is None
    assert data["Decaf seed coffee"]["priceSatEstimate"] == 15_833
    # No rate: last either way, matched by no price filter, and the card says so.
    assert _api_titles(client, "q=seed&sortBy=price")[-1] == "Herb Garden Seed Kit"
    assert _api_titles(client, "q=seed&sortBy=priceDesc")[-1] == "Herb Garden Seed Kit"
    assert "Herb Garden Seed Kit" not in _api_titles(client, "q=seed&maxPrice=10000000")
    assert "in BTC at checkout" in client.get("/search/?q=herb").content.decode()


def test_estimates_follow_live_rates(rates_settings: Any, price_server: PriceServer) -> None:
    _, store = seller()
    item = listing(store, "Hat in dollars", price_mode="fiat", price_sat=None,
                   price_fiat="19.99", fiat_currency="USD")
    assert item.price_sat_estimate is None  # nothing fetched yet: no rate
    serve_all(price_server, usd={"kraken": "65000", "bitstamp": "65000", "coinbase": "65000",
                                 "binance": "65000", "coingecko": "65000"})
    jobs._jobs["refresh_rates"].run()
    item.refresh_from_db()
    assert item.price_sat_estimate == 30_754  # docs/rates.md: 19.99 USD at 65,000
    serve_all(price_server, usd={"kraken": "70000", "bitstamp": "70000", "coinbase": "70000",
                                 "binance": "70000", "coingecko": "70000"})
    jobs._jobs["refresh_rates"].run()
    item.refresh_from_db()
    assert item.price_sat_estimate == 28_557  # 19.99e8 / 70,000 = 28,557.14…


def test_refresh_writes_only_what_changed_and_heals_sats_rows(shop: dict[str, Listing]) -> None:
    assert refresh_estimates() == 0  # every estimate is current already
    Listing.objects.filter(pk=shop["dear"].pk).update(sort_price_sat=None)
    Listing.objects.filter(pk=shop["herbs"].pk).update(sort_price_sat=1)
    assert refresh_estimates() == 2
    assert Listing.objects.get(pk=shop["dear"].pk).sort_price_sat == 240_000
    assert Listing.objects.get(pk=shop["herbs"].pk).sort_price_sat == 23_077
