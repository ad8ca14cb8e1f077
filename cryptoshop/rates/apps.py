from cryptoshop.core import registry


class RatesConfig(registry.WiredAppConfig):
    name = "cryptoshop.rates"
    label = "rates"
    verbose_name = "Exchange rates"
