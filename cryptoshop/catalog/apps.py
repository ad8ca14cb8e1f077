from cryptoshop.core import registry


class CatalogConfig(registry.WiredAppConfig):
    name = "cryptoshop.catalog"
    label = "catalog"
    verbose_name = "Catalog"
