from django.urls import path

from cryptoshop.moderation import views

app_name = "moderation"

urlpatterns = [
    path("report/<str:public_id>/", views.report_listing, name="report"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:report_id>/act/", views.act, name="act"),
]
