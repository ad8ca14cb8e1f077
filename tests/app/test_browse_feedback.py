"""What a buyer is told and where they land: filters a page ignored are named above the
results, the search box and a collapsible filter panel come before the results (phones), both
land on #results, cards sit two to a row on a phone, and a bad quantity keeps the buyer on
the listing with the message."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cryptoshop.catalog.queries import parse_filters
from tests.factories import listing, seller

pytestmark = pytest.mark.django_db


@pytest.fixture
def hats() -> None:
    _, store = seller("Hat Shop", "hat-shop")
    for i, price in enumerate((1_000, 5_000, 50_000)):
        listing(store, f"Wool hat {i}", price_sat=price)


def _ignored(client: Client, query: str) -> str:
    response = client.get(f"/search/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    # Said above the results, and the results are still shown (without that filter).
    assert html.index("Some filters were ignored") < html.index("Wool hat")
    return html


@pytest.mark.usefixtures("hats")
def test_bad_filters_are_named_above_the_results(client: Client) -> None:
    html = _ignored(client, "q=hat&minPrice=abc")
    assert "Minimum price “abc” ignored: not a whole number of sats." in html
    assert html.count("Wool hat") >= 3
    html = _ignored(client, "q=hat&maxPrice=-5")
    assert "Maximum price “-5” ignored: prices go from 0 to 21 million BTC in sats." in html
    html = _ignored(client, "q=hat&minPrice=20000&maxPrice=3000")
    assert ("Maximum price “3000” ignored: it is below the minimum price (20,000 sats)."
            in html)
    assert "Wool hat 2" in html and "Wool hat 0" not in html  # the minimum still applies
    html = _ignored(client, "kind=furniture&sortBy=cheapest")
    assert "Kind “furniture” ignored" in html and "Sort “cheapest” ignored" in html
    # On category and store pages too, and the filter panel opens to show the fields.
    assert "Minimum price “x” ignored" in client.get("/c/clothing/?minPrice=x").content.decode()
    store_page = client.get("/s/hat-shop/?minPrice=x").content.decode()
    assert "Minimum price “x” ignored" in store_page and "<details class=\"rounded-lg border\" open>" \
        in store_page
    # Good filters say nothing; the API still refuses bad ones outright.
    assert "ignored" not in client.get("/search/?minPrice=2000&maxPrice=9000").content.decode()
    assert client.get("/api/products?minPrice=abc").status_code == 400


def test_notices_escape_what_was_typed() -> None:
    filters = parse_filters({"minPrice": "<b>" + "9" * 80}, strict=False)
    [notice] = filters.notices
    assert notice.startswith("Minimum price “<b>999") and "…”" in notice
    assert parse_filters({"sortBy": "priceDesc"}, strict=False).sort_choice == "priceDesc"


@pytest.mark.usefixtures("hats")
def test_search_box_and_filter_panel_come_before_the_results(client: Client) -> None:
    html = client.get("/search/").content.decode()
    main = html[html.index('<main id="main"'):]
    phone_form = re.search(r'<form method="get" action="#results" class="[^"]*lg:hidden[^"]*"'
                           r' aria-label="Search and filters">', main)
    assert phone_form, "no phone search form"
    box = main.index('aria-label="Search listings"', phone_form.start())
    panel = main.index("<details", phone_form.start())
    results = main.index('id="results"')
    first_card = main.index("<article")
    assert phone_form.start() < box < panel < results < first_card
    assert "Filter &amp; sort" in main[panel:results]
    # Every filter form lands on the results, not on a form at the bottom.
    assert 'href="#filters"' not in main
    assert main.count('action="#results"') == 2  # the sidebar (desktop) and the panel
    # Two cards a row on a phone.
    assert '<ul class="grid grid-cols-2' in main
    for page in ("/c/clothing/", "/s/hat-shop/"):
        body = client.get(page).content.decode()
        assert body.index("<details") < body.index('id="results"') < body.index("<article")


@pytest.mark.usefixtures("hats")
def test_the_sort_menu_offers_price_high_to_low(client: Client) -> None:
    html = client.get("/search/?sortBy=price&sortOrder=desc").content.decode()
    assert '<option value="priceDesc" selected>Price: high to low</option>' in html
    assert "· Price: high to low" in html  # the panel's summary says how it is sorted
    html = client.get("/search/?minPrice=2000&kind=physical").content.decode()
    assert "· 2 filters" in html


def _listing_page(client: Client, item_url: str) -> str:
    return client.get(item_url).content.decode()


@pytest.mark.parametrize(("quantity", "message"), [
    ("abc", "Quantity must be a whole number."),
    ("0", "Quantity must be from 1 to 100."),
    ("500", "Quantity must be from 1 to 100."),
    ("7", "Only 5 left of “Lambswool scarf”."),
])
def test_a_bad_quantity_keeps_the_buyer_on_the_listing(client: Client, quantity: str,
                                                       message: str) -> None:
    _, store = seller()
    item = listing(store, "Lambswool scarf", stock=5)
    url = f"/l/{item.public_id}/{item.slug}/"
    response = client.post("/cart/add/", {"listing": item.public_id, "quantity": quantity})
    assert response.status_code == 302 and response["Location"] == url
    page = _listing_page(client, url)
    assert message.replace("“", "&ldquo;") in page or message in page
    assert "Your cart is empty" in client.get("/cart/").content.decode()
    # A listing that can't be shown falls back to the cart, as before.
    gone = client.post("/cart/add/", {"listing": "l_nope", "quantity": quantity})
    assert gone["Location"] == "/cart/"
