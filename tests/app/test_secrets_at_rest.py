"""Inspect the raw database: no token, recovery code or TOTP secret is stored in clear."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from cryptoshop.accounts.models import User
from tests.factories import Account, enable_2fa

pytestmark = pytest.mark.django_db


def _every_stored_string() -> list[str]:
    values: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values += [v if isinstance(v, str) else repr(v) for v in row if v is not None]
    return values


def test_no_secret_in_clear_anywhere(account: Account) -> None:
    codes = enable_2fa(account)
    secret = User.objects.get(pk=account.user.pk).totp_secret
    # Sessions too: log in through the pages and the API.
    Client().post("/accounts/login/", {"token": account.token})
    stored = "\n".join(_every_stored_string())
    assert account.token not in stored
    assert account.token.removeprefix("cs1_") not in stored
    assert secret not in stored
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_totp_secret_column_holds_authenticated_ciphertext(account: Account) -> None:
    enable_2fa(account)
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret, token_hash FROM accounts_user WHERE id = %s",
                       [account.user.pk])
        raw_secret, token_hash = cursor.fetchone()
    assert raw_secret.startswith("v1:k1:")
    assert len(token_hash) == 64 and all(c in "0123456789abcdef" for c in token_hash)
    # Copying the ciphertext into another account's column does not decrypt to a secret
    # usable there? It does decrypt (same column context), so the binding that matters is
    # per column: moving it to another field or table fails. See test_crypto.py.
