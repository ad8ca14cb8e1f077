from cryptoshop.core.apps import WiredAppConfig


class CartConfig(WiredAppConfig):
    name = "cryptoshop.cart"
    label = "cart"
    verbose_name = "Cart"
