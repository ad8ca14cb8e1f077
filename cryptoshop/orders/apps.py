from cryptoshop.core import registry


class OrdersConfig(registry.WiredAppConfig):
    name = "cryptoshop.orders"
    label = "orders"
    verbose_name = "Orders"
