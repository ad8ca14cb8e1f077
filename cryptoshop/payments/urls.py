from django.urls import path

from cryptoshop.payments import refund_views, views

app_name = "payments"

urlpatterns = [
    path("<str:public_id>/pay/", views.pay, name="pay"),
    path("<str:public_id>/pay/status/", views.pay_status, name="pay_status"),
    path("<str:public_id>/refund/status/", refund_views.refund_status, name="refund_status"),
    path("<str:public_id>/refund-address/", refund_views.set_refund_address,
         name="refund_address"),
]
