"""Calling the JSON API in tests as a client does: a bearer credential (an account's
session token or a store API key) and a JSON body."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def bearer_call(method: str, url: str, bearer: str, body: Any = None) -> Any:
    """`method` ("get", "post", "put", "delete") on `url` with `Authorization: Bearer`."""
    headers = {"Authorization": f"Bearer {bearer}"}
    send = getattr(Client(), method)
    if body is None:
        return send(url, headers=headers)
    return send(url, data=json.dumps(body), content_type="application/json", headers=headers)
