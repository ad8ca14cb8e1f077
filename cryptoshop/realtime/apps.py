from __future__ import annotations

from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "cryptoshop.realtime"
    label = "realtime"
    verbose_name = "Live events"

    def ready(self) -> None:
        from cryptoshop.realtime import checks
        from cryptoshop.realtime.rooms import register_room_authorizer

        register_room_authorizer("user-", checks.own_user_room)
        register_room_authorizer("order-", checks.order_party)
