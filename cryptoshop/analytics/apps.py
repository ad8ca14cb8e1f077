from cryptoshop.core import registry


class AnalyticsConfig(registry.WiredAppConfig):
    name = "cryptoshop.analytics"
    label = "analytics"
    verbose_name = "Sales analytics"
