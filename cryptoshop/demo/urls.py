"""The demo buttons' endpoints, beside the pages they belong to (mounted at the site root)."""

from django.urls import path

from cryptoshop.demo import receiver, views

app_name = "demo"

urlpatterns = [
    path("orders/<str:public_id>/pay/demo/", views.demo_pay, name="pay"),
    path("orders/<str:public_id>/pay/mine/", views.mine_for_order, name="mine_for_order"),
    path("escrow/<str:public_id>/mine/", views.mine_for_escrow, name="mine_for_escrow"),
    path("demo/webhook-receiver/<str:store_id>/", receiver.webhook_receiver,
         name="webhook_receiver"),
]
