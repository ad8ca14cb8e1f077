from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "cryptoshop.conversations"
    label = "conversations"
    verbose_name = "Conversations"
