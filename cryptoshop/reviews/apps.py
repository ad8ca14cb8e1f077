from cryptoshop.core import registry


class ReviewsConfig(registry.WiredAppConfig):
    name = "cryptoshop.reviews"
    label = "reviews"
    verbose_name = "Reviews"
