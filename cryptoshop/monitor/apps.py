from cryptoshop.core import registry


class MonitorConfig(registry.WiredAppConfig):
    name = "cryptoshop.monitor"
    label = "monitor"
    verbose_name = "Live staff dashboard"
