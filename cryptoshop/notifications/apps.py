from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cryptoshop.notifications"
    label = "notifications"
    verbose_name = "Notifications"
