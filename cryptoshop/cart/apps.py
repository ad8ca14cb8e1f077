from cryptoshop.core import registry


class CartConfig(registry.WiredAppConfig):
    name = "cryptoshop.cart"
    label = "cart"
    verbose_name = "Cart"
