from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import Account, make_account, trio
from tests.price_server import price_server, rates_settings

# Fixtures defined beside the helpers they belong to, offered to every app-tier test.
__all__ = ["price_server", "rates_settings", "trio"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db: None) -> Iterator[None]:
    # Rate-limit counters live in the cache, cached catalogue pages in their own (ADR 15);
    # every test starts with none.
    for alias in ("default", "catalog"):
        caches[alias].clear()
    yield
    for alias in ("default", "catalog"):
        caches[alias].clear()


@pytest.fixture
def account(db: None) -> Account:
    return make_account()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def api_post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(path, data=body if body is not None else {},
                       content_type="application/json", headers=headers)
