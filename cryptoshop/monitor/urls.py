from django.urls import path

from cryptoshop.monitor import views

app_name = "monitor"

urlpatterns = [
    path("live/", views.live, name="live"),
]
