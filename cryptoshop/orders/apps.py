from cryptoshop.core.apps import WiredAppConfig


class OrdersConfig(WiredAppConfig):
    name = "cryptoshop.orders"
    label = "orders"
    verbose_name = "Orders"
