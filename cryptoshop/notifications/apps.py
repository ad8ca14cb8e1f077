from cryptoshop.core import registry


class NotificationsConfig(registry.WiredAppConfig):
    name = "cryptoshop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
