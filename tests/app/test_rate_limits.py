"""Brute force: per-IP login limits and per-account TOTP limits, hit and then lifted."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

from tests.app.conftest import api_post
from tests.factories import Account, enable_2fa, fresh_code

pytestmark = pytest.mark.django_db

WRONG = "cs1_" + "c" * 52


def _wait_for_next_window(window: int) -> None:
    time.sleep(window - (time.time() % window) + 0.05)


@override_settings(RATE_LIMITS={"login:ip": (3, 2), "totp:account": (5, 900),
                                "totp:ip": (50, 900), "register:ip": (10, 3600)})
def test_login_per_ip_hit_then_lifted(account: Account) -> None:
    _wait_for_next_window(2)  # start at the beginning of a window
    client = Client()
    for _ in range(3):
        assert client.post("/accounts/login/", {"token": WRONG}).status_code == 401
    limited = client.post("/accounts/login/", {"token": account.token})
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 2
    assert b"Too many attempts" in limited.content
    api = api_post(Client(), "/api/auth/login", {"token": account.token})
    assert api.status_code == 429 and api.json()["error"] == "rate_limited"
    assert "Retry-After" in api
    # A different address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.9").post(
        "/accounts/login/", {"token": account.token}).status_code == 302
    _wait_for_next_window(2)
    assert client.post("/accounts/login/", {"token": account.token}).status_code == 302


@override_settings(RATE_LIMITS={"login:ip": (100, 900), "totp:account": (3, 2),
                                "totp:ip": (100, 900), "register:ip": (10, 3600)})
def test_totp_guessing_is_limited_per_account_across_addresses(account: Account) -> None:
    enable_2fa(account)
    _wait_for_next_window(2)
    for i in range(3):
        attacker = Client(REMOTE_ADDR=f"192.0.2.{i + 1}")
        attacker.post("/accounts/login/", {"token": account.token})
        assert attacker.post("/accounts/login/code/", {"code": "000000"}).status_code == 401
    # Even the right code is refused while the account is locked: no oracle for guessers.
    owner = Client(REMOTE_ADDR="198.51.100.20")
    owner.post("/accounts/login/", {"token": account.token})
    locked = owner.post("/accounts/login/code/", {"code": fresh_code(account.user)})
    assert locked.status_code == 429 and locked.has_header("Retry-After")
    _wait_for_next_window(2)
    assert owner.post("/accounts/login/code/", {"code": fresh_code(account.user)}).status_code == 302


@override_settings(RATE_LIMITS={"login:ip": (100, 900), "totp:account": (100, 900),
                                "totp:ip": (100, 900), "register:ip": (2, 3600)})
def test_registration_is_limited_per_ip(client: Client) -> None:
    assert api_post(client, "/api/auth/register").status_code == 201
    assert client.post("/accounts/register/", {}).status_code == 200
    third = api_post(client, "/api/auth/register")
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
