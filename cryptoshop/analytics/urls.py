from django.urls import path

from cryptoshop.analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.staff_analytics, name="staff"),
]
