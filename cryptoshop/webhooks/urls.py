"""/sell/webhooks/: the seller's webhook endpoints and their delivery log."""

from django.urls import path

from cryptoshop.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_new, name="new"),
    path("<str:public_id>/", views.webhook_edit, name="edit"),
    path("<str:public_id>/delete/", views.webhook_delete, name="delete"),
    path("<str:public_id>/secret/", views.webhook_rotate, name="rotate"),
    path("<str:public_id>/test/", views.webhook_test, name="test"),
    path("<str:public_id>/deliveries/<str:delivery_id>/redeliver/", views.redeliver,
         name="redeliver"),
]
