from cryptoshop.core import registry


class RealtimeConfig(registry.WiredAppConfig):
    name = "cryptoshop.realtime"
    label = "realtime"
    verbose_name = "Live events"
