from cryptoshop.core.apps import WiredAppConfig


class RatesConfig(WiredAppConfig):
    name = "cryptoshop.rates"
    label = "rates"
    verbose_name = "Exchange rates"
