from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "cryptoshop.orders"
    label = "orders"
    verbose_name = "Orders"
