from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "cryptoshop.chain"
    label = "chain"
    verbose_name = "Chain access"
