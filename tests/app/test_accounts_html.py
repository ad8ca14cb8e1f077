"""Register, log in, log out, rotate and delete through the HTML forms (no JavaScript)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cryptoshop.accounts.models import User
from tests.factories import Account, make_account

pytestmark = pytest.mark.django_db


def _token_in(html: str) -> str:
    match = re.search(r"(cs1_[a-z2-7]{52})", html)
    assert match, "the token page shows no token"
    return match.group(1)


def test_register_shows_the_token_once_and_logs_in(client: Client) -> None:
    page = client.get("/accounts/register/")
    assert page.status_code == 200 and b"Create an anonymous account" in page.content
    response = client.post("/accounts/register/", {"display_name": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    token = _token_in(html)
    assert "cannot be recovered" in html
    assert 'download="cryptoshop-access-token.txt"' in html
    # Logged in straight away, as the new anonymous account.
    settings_page = client.get("/accounts/")
    assert settings_page.status_code == 200
    user = User.objects.get()
    assert user.display_name is None and user.public_id.encode() in settings_page.content
    # The token is never put in the session (a reload can't show it again).
    assert token not in client.get("/accounts/").content.decode()


def test_register_with_display_name_validated(client: Client) -> None:
    make_account("Satoshi")
    taken = client.post("/accounts/register/", {"display_name": "satoshi"})
    assert taken.status_code == 400 and b"That name is taken." in taken.content
    bad = client.post("/accounts/register/", {"display_name": "<script>"})
    assert bad.status_code == 400 and b"3\xe2\x80\x9332 characters" in bad.content
    reserved = client.post("/accounts/register/", {"display_name": "Admin"})
    assert reserved.status_code == 400 and b"reserved" in reserved.content
    ok = client.post("/accounts/register/", {"display_name": "hodler_21"})
    assert ok.status_code == 200
    assert User.objects.filter(display_name="hodler_21").exists()


def test_login_logout_round_trip(client: Client, account: Account) -> None:
    response = client.post("/accounts/login/", {"token": account.token})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logout is POST only
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")


def test_login_accepts_pasted_whitespace_and_upper_case(client: Client, account: Account) -> None:
    pasted = "  " + account.token.upper() + "\n"
    assert client.post("/accounts/login/", {"token": pasted}).status_code == 302


def test_wrong_token_gets_a_generic_answer(client: Client, account: Account) -> None:
    wrong = "cs1_" + "a" * 52
    response = client.post("/accounts/login/", {"token": wrong})
    assert response.status_code == 401
    assert b"That token or code is not valid." in response.content
    junk = client.post("/accounts/login/", {"token": "hello"})
    assert junk.status_code == 401 and b"That token or code is not valid." in junk.content


def test_login_rotates_the_session_key(client: Client, account: Account) -> None:
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/accounts/login/", {"token": account.token})
    assert client.session.session_key != before


def test_login_next_is_followed_only_on_this_site(client: Client, account: Account) -> None:
    response = client.post("/accounts/login/", {"token": account.token, "next": "/accounts/2fa/"})
    assert response["Location"] == "/accounts/2fa/"
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/",
                           {"token": account.token, "next": "https://evil.example/"})
    assert response["Location"] == "/accounts/"


def test_suspended_account_cannot_log_in(client: Client, account: Account) -> None:
    User.objects.filter(pk=account.user.pk).update(is_active=False)
    response = client.post("/accounts/login/", {"token": account.token})
    assert response.status_code == 401 and b"suspended" in response.content


def test_rotate_token_kills_the_old_token_and_other_sessions(account: Account) -> None:
    me, other = Client(), Client()
    assert me.post("/accounts/login/", {"token": account.token}).status_code == 302
    assert other.post("/accounts/login/", {"token": account.token}).status_code == 302
    response = me.post("/accounts/token/rotate/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new_token = _token_in(response.content.decode())
    assert new_token != account.token
    assert me.get("/accounts/").status_code == 200  # this session survives
    assert other.get("/accounts/").status_code == 302  # the other one is gone
    assert Client().post("/accounts/login/", {"token": account.token}).status_code == 401
    assert Client().post("/accounts/login/", {"token": new_token}).status_code == 302


def test_delete_account_needs_the_current_token(client: Client, account: Account) -> None:
    client.post("/accounts/login/", {"token": account.token})
    page = client.get("/accounts/delete/")
    assert page.status_code == 200
    assert b"your access token (it stops working at once)" in page.content
    assert b"What is kept" in page.content
    other = make_account()
    refused = client.post("/accounts/delete/", {"token": other.token, "confirm": "on"})
    assert refused.status_code == 401 and User.objects.filter(pk=account.user.pk).exists()
    unconfirmed = client.post("/accounts/delete/", {"token": account.token})
    assert unconfirmed.status_code == 200 and User.objects.filter(pk=account.user.pk).exists()
    done = client.post("/accounts/delete/", {"token": account.token, "confirm": "on"})
    assert done.status_code == 302
    assert not User.objects.filter(pk=account.user.pk).exists()
    assert User.objects.filter(pk=other.user.pk).exists()
    assert Client().post("/accounts/login/", {"token": account.token}).status_code == 401


def test_display_name_can_be_changed_and_cleared(client: Client, account: Account) -> None:
    client.post("/accounts/login/", {"token": account.token})
    assert client.post("/accounts/", {"display_name": "newname"}).status_code == 302
    account.user.refresh_from_db()
    assert account.user.display_name == "newname"
    assert client.post("/accounts/", {"display_name": ""}).status_code == 302
    account.user.refresh_from_db()
    assert account.user.display_name is None


def test_pages_need_login(client: Client) -> None:
    for path in ["/accounts/", "/accounts/2fa/", "/accounts/delete/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/accounts/token/rotate/").status_code == 302
