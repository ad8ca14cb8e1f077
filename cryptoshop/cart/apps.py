from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "cryptoshop.cart"
    label = "cart"
    verbose_name = "Cart"
