from cryptoshop.core import registry


class EscrowConfig(registry.WiredAppConfig):
    name = "cryptoshop.escrow"
    label = "escrow"
    verbose_name = "Escrow"
