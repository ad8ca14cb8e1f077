from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "cryptoshop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from cryptoshop.core.jobs import register_job
        from cryptoshop.orders import actions

        register_job("expire_reservations", 30, actions.expire_reservations)
        register_job("purge_finished_details", 3600, actions.purge_finished_details)
