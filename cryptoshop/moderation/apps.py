from cryptoshop.core.apps import WiredAppConfig


class ModerationConfig(WiredAppConfig):
    name = "cryptoshop.moderation"
    label = "moderation"
    verbose_name = "Moderation"
