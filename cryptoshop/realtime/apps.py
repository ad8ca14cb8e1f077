from cryptoshop.core.apps import WiredAppConfig


class RealtimeConfig(WiredAppConfig):
    name = "cryptoshop.realtime"
    label = "realtime"
    verbose_name = "Live events"
