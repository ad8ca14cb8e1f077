from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "cryptoshop.reviews"
    label = "reviews"
    verbose_name = "Reviews"
