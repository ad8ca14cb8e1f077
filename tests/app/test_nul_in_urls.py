"""A NUL byte can't be part of any path or parameter of ours, and PostgreSQL refuses it in
text (a 500 there, found on PostgreSQL after the hardening pass): a path with one is 404,
a query parameter with one is 400 — on pages with the error page, on the API with the
envelope — before anything reaches the database."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = ["/l/a%00b/", "/c/a%00b/", "/s/a%00b/", "/api/sellers/a%00b", "/api/products/a%00b",
         "/escrow/a%00b/", "/media/a%00b.webp"]
QUERIES = ["/search/?category=%00", "/search/?q=a%00b", "/?page=1%00", "/api/products?store=%00",
           "/api/products?category=a%00", "/api/orders?status=%00", "/api/sellers?q=a%00"]


@pytest.mark.parametrize("url", PATHS)
def test_a_nul_in_the_path_is_not_found(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("url", QUERIES)
def test_a_nul_in_a_parameter_is_a_bad_request(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        body = response.json()
        assert body["success"] is False and body["error"] in {"bad_request", "validation_error"}
