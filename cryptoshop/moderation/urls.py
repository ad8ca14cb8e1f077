from django.urls import path

app_name = "moderation"

# Filled by the moderation work: report form on a listing, staff report queue.
urlpatterns: list = []  # type: ignore[type-arg]
