"""core.registry: a Slot says which app should have filled it; Hooks run each listener once
in order, and one failing listener doesn't stop the others."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.core.exceptions import ImproperlyConfigured

from cryptoshop.core.registry import Hooks, Slot


def test_an_unfilled_slot_names_its_provider() -> None:
    slot: Slot[int] = Slot("the answer", provided_by="cryptoshop.deep_thought")
    with pytest.raises(ImproperlyConfigured, match=r"cryptoshop\.deep_thought"):
        slot.get()
    slot.provide(42)
    assert slot.is_provided and slot.get() == 42


def test_hooks_run_each_listener_once_and_survive_a_failure(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    hooks: Hooks[Callable[[str], None]] = Hooks("test hooks")

    def first(arg: str) -> None:
        calls.append(f"first {arg}")

    def broken(arg: str) -> None:
        raise RuntimeError("boom")

    def last(arg: str) -> None:
        calls.append(f"last {arg}")

    for listener in (first, broken, last, first):  # added twice: kept once
        hooks.add(listener)
    with caplog.at_level(logging.ERROR):
        hooks.call_each("x")
    assert calls == ["first x", "last x"]
    assert len(hooks) == 3 and "test hooks: listener" in caplog.text
