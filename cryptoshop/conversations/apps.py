from cryptoshop.core import registry


class ConversationsConfig(registry.WiredAppConfig):
    name = "cryptoshop.conversations"
    label = "conversations"
    verbose_name = "Conversations"
