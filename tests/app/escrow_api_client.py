"""Calling /api/escrow as a given account (bearer token), for the escrow API tests."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.factories import Account


def auth(acct: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {acct.token}"}


def post(client: Client, url: str, acct: Account | None, body: object = None) -> Any:
    return client.post(url, data=body if body is not None else {},
                       content_type="application/json",
                       headers=auth(acct) if acct is not None else {})


def get(client: Client, url: str, acct: Account | None) -> Any:
    return client.get(url, headers=auth(acct) if acct is not None else {})
