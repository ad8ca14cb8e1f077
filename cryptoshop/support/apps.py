from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "cryptoshop.support"
    label = "support"
    verbose_name = "Support"
