from cryptoshop.core import registry


class ModerationConfig(registry.WiredAppConfig):
    name = "cryptoshop.moderation"
    label = "moderation"
    verbose_name = "Moderation"
