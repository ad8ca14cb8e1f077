from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "cryptoshop.pages"
    label = "pages"
    verbose_name = "Pages"
