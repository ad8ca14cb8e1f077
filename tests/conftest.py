"""Shared test configuration. Tiers live in folders: btc/ chain/ (pure), app/ (Django, on
SQLite and PostgreSQL), realtime/ (Socket.IO), regtest/ (a real node), e2e/ (a real
Chromium)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_ambient_chain_backend(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests never talk to a developer's running regtest node by accident: the chain
    backend is off unless a test configures one (tests/regtest does, per node)."""
    if "django_db_setup" not in request.fixturenames and "db" not in request.fixturenames \
            and not request.node.get_closest_marker("django_db"):
        yield
        return
    from django.test import override_settings

    with override_settings(CHAIN_BACKEND="none"):
        yield
