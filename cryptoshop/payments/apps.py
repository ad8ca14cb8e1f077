from cryptoshop.core import registry


class PaymentsConfig(registry.WiredAppConfig):
    name = "cryptoshop.payments"
    label = "payments"
    verbose_name = "Payments"
