"""Wiring the cart into the rest: a session's cart joins the account's on login; stale
carts are purged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in

from cryptoshop.cart.actions import merge_session_cart, purge_stale_carts
from cryptoshop.core.jobs import register_job


def _merge_cart(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        merge_session_cart(request, user)


def install() -> None:
    user_logged_in.connect(_merge_cart, dispatch_uid="cryptoshop.cart.merge")
    register_job("purge_stale_carts", 3600, purge_stale_carts)
