from django.urls import path

from cryptoshop.payments import views

app_name = "payments"

urlpatterns = [
    path("<str:public_id>/pay/", views.pay, name="pay"),
    path("<str:public_id>/pay/status/", views.pay_status, name="pay_status"),
]
