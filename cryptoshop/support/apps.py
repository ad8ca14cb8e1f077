from cryptoshop.core import registry


class SupportConfig(registry.WiredAppConfig):
    name = "cryptoshop.support"
    label = "support"
    verbose_name = "Support"
