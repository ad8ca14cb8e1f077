from cryptoshop.core import registry


class WebhooksConfig(registry.WiredAppConfig):
    name = "cryptoshop.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
