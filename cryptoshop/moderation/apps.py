from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "cryptoshop.moderation"
    label = "moderation"
    verbose_name = "Moderation"
