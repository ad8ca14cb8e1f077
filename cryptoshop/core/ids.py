"""Public identifiers: random, prefixed, never the sequential primary key (which would leak
how many orders or listings exist, and in which order). Plain functions, because
migrations refer to them by name."""

from __future__ import annotations

import secrets


def _make(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def new_listing_id() -> str:
    return _make("l")


def new_order_id() -> str:
    return _make("o")


def new_store_id() -> str:
    return _make("s")


def new_review_id() -> str:
    return _make("r")


def new_ticket_id() -> str:
    return _make("tk")


def new_ticket_message_id() -> str:
    return _make("tm")
