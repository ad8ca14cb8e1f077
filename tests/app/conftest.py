from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from cryptoshop.accounts import actions, totp
from cryptoshop.accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db: None) -> Iterator[None]:
    # Rate-limit counters live in the cache; every test starts with none.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Account:
    user: User
    token: str


def make_account(display_name: str | None = None) -> Account:
    reg = actions.do_register(display_name=display_name, client_ip="203.0.113.7")
    return Account(reg.user, reg.token)


@pytest.fixture
def account(db: None) -> Account:
    return make_account()


def enable_2fa(acct: Account) -> list[str]:
    """Turn 2FA on through the actions, with a real code; returns the recovery codes."""
    setup = actions.do_begin_totp_setup(acct.user)
    code = totp.code_at(setup.secret, totp.current_step() - 1)
    codes = actions.do_enable_totp(acct.user, code, client_ip="203.0.113.7")
    acct.user.refresh_from_db()
    return codes


def fresh_code(user: User, offset: int = 0) -> str:
    """A code for a step not used yet (the drift window allows now-1 .. now+1)."""
    user.refresh_from_db()
    return totp.code_at(user.totp_secret, totp.current_step() + offset)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def api_post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(path, data=body if body is not None else {},
                       content_type="application/json", headers=headers)
