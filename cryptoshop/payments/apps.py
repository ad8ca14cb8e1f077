from cryptoshop.core.apps import WiredAppConfig


class PaymentsConfig(WiredAppConfig):
    name = "cryptoshop.payments"
    label = "payments"
    verbose_name = "Payments"
