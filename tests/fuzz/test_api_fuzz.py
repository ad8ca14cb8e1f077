"""Schemathesis over every operation of /api/openapi.json, in-process against the Django
WSGI app: anonymously (random or no credentials) and as a buyer with a valid bearer
session token. Deterministic (derandomized Hypothesis, fixed seed) so a failure reproduces;
bounded by max-examples per operation (a few thousand requests, well under 3 minutes).

Fails on any 5xx, any undocumented status, content type or header, any response that
doesn't match its schema, schema-valid input refused by the schema validation, and
schema-invalid input accepted. Run alone: `pytest -q tests/fuzz`.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from ninja.errors import ValidationError
from schemathesis.config import SchemathesisConfig

from cryptoshop.accounts.sessions import create_api_session
from cryptoshop.core.api import api
from tests.factories import make_account, user_of

SEED = 20240611
EXAMPLES = 12  # per operation and per mode (positive, negative) in the fuzzing phase

CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    # Unknown query parameters are ignored, as HTTP APIs do (cache busters, tracking tags);
    # the schema doesn't promise to refuse them, so negative cases don't invent them.
    "generation": {"allow-extra-parameters": False, "deterministic": True, "database": "none", "max-examples": EXAMPLES, "mode": "all"},
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
    # No chain node runs in this tier: the network stats answer their documented 503
    # (tests/regtest/test_network_stats.py has the 200). Any other 5xx still fails.
    "operations": [{"include-path": "/api/blockchain/stats", "checks": {
        "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}}}],
    "checks": {
        "enabled": True,
        # A schema-valid request may still break a domain rule the schema can't express (an
        # unknown category slug, an order that isn't yours, a bad Bitcoin address): the API
        # answers those 400 validation_error with details. What must never happen is the
        # schema validation itself refusing schema-valid input: no_schema_rejection checks
        # exactly that, so 400 is allowed here only for domain rules.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "503"],
        },
    },
})

# Marks (in the fuzz run only) an answer made by ninja's request validation, i.e. the schema.
REJECTED = "X-Fuzz-Refused-By-Schema"


@pytest.fixture(autouse=True)
def _spy_schema_validation(db: None) -> Any:
    original = api._exception_handlers[ValidationError]

    def spy(request: Any, exc: ValidationError) -> Any:
        response = original(request, exc)
        response[REJECTED] = "1"
        return response

    api._exception_handlers[ValidationError] = spy
    yield
    api._exception_handlers[ValidationError] = original


@schemathesis.check
def no_schema_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid input must get past the schema validation (domain rules may refuse it)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or REJECTED not in response.headers:
        return None
    raise AssertionError(f"schema-valid input refused by validation: {response.text[:500]}")


# pytest-django has set Django up before collection; reading the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(),
                                        config=CONFIG)


@pytest.fixture
def buyer_headers(db: None) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_session(user_of(make_account()))}"}


@pytest.fixture(autouse=True)
def _fixed_rates() -> Any:
    # Every configured currency has a rate, so /api/bitcoin/price answers 200, not 503.
    with override_settings(RATE_FIXED_RATES=",".join(
            f"{c}:65000" for c in settings.RATE_CURRENCIES)):
        yield


@schema.parametrize()
def test_anonymous(case: Any) -> None:
    case.call_and_validate(additional_checks=[no_schema_rejection])


@schema.parametrize()
# One buyer per operation, shared by its examples (the token stays valid throughout).
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_as_buyer(case: Any, buyer_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=buyer_headers, additional_checks=[no_schema_rejection])
