"""The fuzz tier: schemathesis against the JSON API in-process (WSGI), every check on.
Counts the requests it sent and says so at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

SENT = {"requests": 0}


def _count(**_: Any) -> None:
    SENT["requests"] += 1


@pytest.fixture(autouse=True, scope="session")
def _count_requests() -> Iterator[None]:
    request_started.connect(_count, dispatch_uid="fuzz-count")
    yield
    request_started.disconnect(dispatch_uid="fuzz-count")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SENT["requests"]:
        terminalreporter.write_line(f"fuzz: {SENT['requests']} requests sent to the API")


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request; inside a test
    transaction that would close the test's own connection (Django's test Client does the
    same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db: None) -> Iterator[None]:
    from django.core.cache import caches

    for alias in ("default", "catalog"):  # rate limits; cached catalogue pages (ADR 15)
        caches[alias].clear()
    yield
    for alias in ("default", "catalog"):
        caches[alias].clear()
