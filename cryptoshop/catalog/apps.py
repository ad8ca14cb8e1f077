from cryptoshop.core.apps import WiredAppConfig


class CatalogConfig(WiredAppConfig):
    name = "cryptoshop.catalog"
    label = "catalog"
    verbose_name = "Catalog"
