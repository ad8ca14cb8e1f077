"""Pinning how many database queries a code path makes (modelled on Zulip's
``assert_database_query_count``): an N+1 regression changes the count and the test fails
with the list of queries it made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def assert_database_query_count(count: int) -> Iterator[CaptureQueriesContext]:
    """Fail unless the block runs exactly ``count`` queries on the default database."""
    with CaptureQueriesContext(connection) as queries:
        yield queries
    actual = len(queries.captured_queries)
    if actual != count:
        listing = "\n".join(f"{n}. {q['sql']}"
                            for n, q in enumerate(queries.captured_queries, start=1))
        raise AssertionError(f"{actual} queries were made, {count} expected:\n{listing}")
