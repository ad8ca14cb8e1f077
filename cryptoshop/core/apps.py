from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cryptoshop.core"
    label = "core"
    verbose_name = "Core"
