"""TOTP two-factor: setup with real codes, login with a code, replay, recovery codes, staff."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cryptoshop.accounts import actions, totp
from cryptoshop.accounts.models import User
from tests.factories import Account, enable_2fa, fresh_code, make_account

pytestmark = pytest.mark.django_db


def _login(client: Client, acct: Account) -> None:
    assert client.post("/accounts/login/", {"token": acct.token}).status_code == 302


def test_enable_through_the_pages(client: Client, account: Account) -> None:
    _login(client, account)
    assert b"Set up two-factor" in client.get("/accounts/2fa/").content
    assert client.post("/accounts/2fa/begin/").status_code == 302
    page = client.get("/accounts/2fa/").content.decode()
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)</textarea>', page)
    assert secret and "<svg" in page  # the QR code is rendered on the server
    wrong = client.post("/accounts/2fa/enable/", {"code": "000000"})
    assert wrong.status_code == 400 and b"not valid" in wrong.content
    code = totp.code_at(secret.group(1), totp.current_step())
    response = client.post("/accounts/2fa/enable/", {"code": code})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", response.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    user = User.objects.get(pk=account.user.pk)
    assert user.totp_enabled and user.recovery_codes.count() == 10


def test_login_asks_for_the_code_and_refuses_replay(account: Account) -> None:
    enable_2fa(account)
    client = Client()
    step1 = client.post("/accounts/login/", {"token": account.token})
    assert step1.status_code == 302 and step1["Location"] == "/accounts/login/code/"
    assert client.get("/accounts/").status_code == 302  # not logged in yet
    code = fresh_code(account.user)
    assert client.post("/accounts/login/code/", {"code": "123"}).status_code == 401
    assert client.post("/accounts/login/code/", {"code": code}).status_code == 302
    assert client.get("/accounts/").status_code == 200
    # The same code again, in its window, from somewhere else: refused.
    thief = Client()
    thief.post("/accounts/login/", {"token": account.token})
    replay = thief.post("/accounts/login/code/", {"code": code})
    assert replay.status_code == 401 and b"already used" in replay.content
    assert thief.get("/accounts/").status_code == 302


def test_code_step_without_token_step_redirects(client: Client) -> None:
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_recovery_codes_are_single_use(account: Account) -> None:
    codes = enable_2fa(account)
    first = Client()
    first.post("/accounts/login/", {"token": account.token})
    assert first.post("/accounts/login/code/", {"code": codes[0].upper()}).status_code == 302
    second = Client()
    second.post("/accounts/login/", {"token": account.token})
    assert second.post("/accounts/login/code/", {"code": codes[0]}).status_code == 401
    assert second.post("/accounts/login/code/", {"code": codes[1]}).status_code == 302
    assert actions.unused_recovery_codes(account.user) == 8


def test_regenerating_recovery_codes_replaces_them(client: Client, account: Account) -> None:
    old = enable_2fa(account)
    client.post("/accounts/login/", {"token": account.token})
    client.post("/accounts/login/code/", {"code": fresh_code(account.user)})
    response = client.post("/accounts/2fa/recovery-codes/", {"code": fresh_code(account.user, 1)})
    new = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    other = Client()
    other.post("/accounts/login/", {"token": account.token})
    assert other.post("/accounts/login/code/", {"code": old[0]}).status_code == 401


def test_disable_needs_a_valid_code(client: Client, account: Account) -> None:
    codes = enable_2fa(account)
    client.post("/accounts/login/", {"token": account.token})
    client.post("/accounts/login/code/", {"code": codes[0]})
    assert client.post("/accounts/2fa/disable/", {"code": "000000"}).status_code == 401
    assert User.objects.get(pk=account.user.pk).totp_enabled
    assert client.post("/accounts/2fa/disable/", {"code": fresh_code(account.user)}).status_code == 302
    user = User.objects.get(pk=account.user.pk)
    assert not user.totp_enabled and user.totp_secret == "" and user.recovery_codes.count() == 0
    client.post("/accounts/logout/")
    assert client.post("/accounts/login/", {"token": account.token})["Location"] == "/accounts/"


def test_staff_must_use_2fa_for_the_admin(client: Client) -> None:
    reg = actions.do_create_operator(display_name="shop_operator")
    staff = Account(reg.user, reg.token)
    client.post("/accounts/login/", {"token": staff.token})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    enable_2fa(staff)
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"token": staff.token})
    client.post("/accounts/login/code/", {"code": fresh_code(staff.user)})
    assert client.get("/admin/").status_code == 200
    # And staff may not switch it off.
    refused = client.post("/accounts/2fa/disable/", {"code": fresh_code(staff.user, 1)})
    assert refused.status_code == 400 and User.objects.get(pk=staff.user.pk).totp_enabled


def test_admin_login_page_is_ours(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    non_staff = make_account()
    client.post("/accounts/login/", {"token": non_staff.token})
    assert client.get("/admin/").status_code == 302
