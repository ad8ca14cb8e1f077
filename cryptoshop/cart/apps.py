from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


def _merge_cart(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from cryptoshop.cart.actions import merge_session_cart

    if request is not None and hasattr(request, "session"):
        merge_session_cart(request, user)


class CartConfig(AppConfig):
    name = "cryptoshop.cart"
    label = "cart"
    verbose_name = "Cart"

    def ready(self) -> None:
        from cryptoshop.cart.actions import purge_stale_carts
        from cryptoshop.core.jobs import register_job

        user_logged_in.connect(_merge_cart, dispatch_uid="cryptoshop.cart.merge")
        register_job("purge_stale_carts", 3600, purge_stale_carts)
