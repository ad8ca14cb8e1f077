from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "cryptoshop.stores"
    label = "stores"
    verbose_name = "Stores"
