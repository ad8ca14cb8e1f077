from django.urls import path

from cryptoshop.pages import views

app_name = "pages"

urlpatterns = [
    path(f"{slug}/", views.page, {"slug": slug}, name=slug)
    for slug in ("help", "terms", "privacy", "fees")
] + [path("network/", views.network, name="network")]
