"""A search term without a letter or digit is not an error (no rank to order by)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import listing, seller

pytestmark = pytest.mark.django_db

# --- 2. search terms without a word ----------------------------------------------------------

WORDLESS = ["%21", "%E2%82%BF", "%27", "--", "%25", "%5C", "*", "%F0%9F%A6%8A", "%ff%fe", "_"]


@pytest.mark.parametrize("q", WORDLESS)
def test_search_terms_without_words_are_not_an_error(client: Client, q: str) -> None:
    _, store = seller()
    listing(store, "Blue wool hat")
    for url in (f"/api/products?q={q}", f"/api/products?q={q}&sortBy=relevance",
                f"/search/?q={q}", f"/search/?q={q}&sort=relevance"):
        response = client.get(url)
        assert response.status_code == 200, url
