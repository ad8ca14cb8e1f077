"""Base UI: layout, error pages, security headers, dark mode without JavaScript, health."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from config.env import database_from_url
from cryptoshop.core.log_format import redact
from tests.factories import anonymous_cart

pytestmark = pytest.mark.django_db


def test_home_has_layout_and_no_third_party_assets(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" in html and "<footer" in html and "/static/build/app.css" in html
    for marker in ("http://", "https://", "//cdn", "fonts.googleapis"):
        assert marker not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_styled_404(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"/static/build/app.css" in response.content


def test_styled_csrf_failure(account) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"token": account.token})
    assert response.status_code == 403 and b"Form expired" in response.content


def test_theme_switch_works_without_javascript(client: Client) -> None:
    assert b'class=""' in client.get("/").content or b'data-theme="system"' in client.get("/").content
    response = client.post("/theme/", {"theme": "dark", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies["theme"].value == "dark"
    page = client.get("/").content.decode()
    assert '<html lang="en" class="dark" data-theme="dark">' in page
    evil = client.post("/theme/", {"theme": "dark", "next": "https://evil.example/"})
    assert evil["Location"] == "/"
    ignored = client.post("/theme/", {"theme": "<x>"})
    assert "theme" not in ignored.cookies


def test_health(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "none"
    body = client.get("/api/health").json()
    assert body["success"] is True
    assert body["data"]["status"] == "ok" and body["data"]["database"] == "ok"
    assert body["data"]["version"]


def test_request_log_has_no_ip_or_token(client: Client, account, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="cryptoshop.request"):
        client.post("/accounts/login/?t=" + account.token, {"token": account.token},
                    REMOTE_ADDR="203.0.113.99")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "POST /accounts/login/ 302" in text
    assert "203.0.113.99" not in text and account.token not in text


def test_redaction_filter() -> None:
    line = "user cs1_" + "a" * 52 + " from 10.1.2.3 with Bearer abc.def"
    cleaned = redact(line)
    assert "a" * 52 not in cleaned and "10.1.2.3" not in cleaned and "abc.def" not in cleaned


def test_database_url_parsing() -> None:
    cfg = database_from_url("postgres://u%40x:p%2Fw@db.local:5433/shop?sslmode=require")
    assert cfg["USER"] == "u@x" and cfg["PASSWORD"] == "p/w" and cfg["HOST"] == "db.local"
    assert cfg["PORT"] == "5433" and cfg["NAME"] == "shop"
    assert cfg["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(ValueError):
        database_from_url("mysql://x/y")
    with pytest.raises(ValueError):
        database_from_url("postgres://host/")


def test_oversized_requests_are_refused_before_reading(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MAX_REQUEST_BYTES = 1000
    page = client.post("/accounts/register/", data="x" * 5000,
                       content_type="application/octet-stream")
    assert page.status_code == 413 and b"Too large" in page.content
    api = client.post("/api/auth/register", data="x" * 5000, content_type="application/json")
    assert api.status_code == 413 and api.json()["error"] == "too_large"


def test_stale_anonymous_carts_are_purged() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cryptoshop.cart.actions import purge_stale_carts
    from cryptoshop.cart.models import Cart

    old = anonymous_cart()
    Cart.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    fresh = anonymous_cart()
    assert purge_stale_carts() == 1
    assert list(Cart.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_health_says_when_the_chain_backend_is_down(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CHAIN_BACKEND = "rpc"
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "u", "p"
    response = client.get("/api/health")
    body = response.json()
    assert response.status_code == 503 and body["success"] is False
    assert body["data"]["status"] == "degraded"
    assert body["data"]["components"]["chain"].startswith("unavailable")

    # Chosen but impossible to build (no credentials): an operator error, also degraded.
    settings.CHAIN_RPC_USER, settings.CHAIN_RPC_PASSWORD = "", ""
    body = client.get("/api/health").json()
    assert body["data"]["components"]["chain"].startswith("unavailable: chain backend misconf")
