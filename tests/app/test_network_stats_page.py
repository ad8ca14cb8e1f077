"""/api/blockchain/stats and /network/ when the node can't answer: 503 with a message a
person can act on, and no figures (never made-up ones). The answers with a real node are
in tests/regtest/test_network_stats.py."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_node_down_is_503_with_the_reason() -> None:
    cache.clear()
    with override_settings(CHAIN_BACKEND="rpc", CHAIN_RPC_URL=f"http://127.0.0.1:{_closed_port()}",
                           CHAIN_RPC_USER="u", CHAIN_RPC_PASSWORD="p",
                           CHAIN_RPC_COOKIE_FILE=""):
        answer = Client().get("/api/blockchain/stats")
        assert answer.status_code == 503
        body = answer.json()
        assert body["error"] == "chain_unavailable"
        assert "node is unavailable" in body["message"] and "unreachable" in body["message"]
        page = Client().get("/network/")
        assert page.status_code == 503
        html = page.content.decode()
        assert "Network figures unavailable" in html and "sat/vB" not in html
    cache.clear()


def test_a_failure_is_remembered_briefly() -> None:
    # A down node isn't asked again by every visitor: the answer is reused for a few
    # seconds (netstats.FAILURE_SECONDS), even though the settings changed meanwhile.
    cache.clear()
    with override_settings(CHAIN_BACKEND="none"):
        first = Client().get("/api/blockchain/stats").json()["message"]
    with override_settings(CHAIN_BACKEND="rpc", CHAIN_RPC_URL="http://127.0.0.1:1",
                           CHAIN_RPC_USER="u", CHAIN_RPC_PASSWORD="p",
                           CHAIN_RPC_COOKIE_FILE=""):
        assert Client().get("/api/blockchain/stats").json()["message"] == first
    cache.clear()


def test_no_backend_configured() -> None:
    cache.clear()
    with override_settings(CHAIN_BACKEND="none"):
        answer = Client().get("/api/blockchain/stats")
        assert answer.status_code == 503 and "No chain node" in answer.json()["message"]
    cache.clear()


def test_footer_links_the_page() -> None:
    assert 'href="/network/"' in Client().get("/help/").content.decode()
