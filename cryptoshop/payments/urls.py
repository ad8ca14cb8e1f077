from django.urls import path

from cryptoshop.payments import views

app_name = "payments"

urlpatterns = [
    path("<str:public_id>/pay/", views.pay, name="pay"),
    path("<str:public_id>/pay/status/", views.pay_status, name="pay_status"),
    path("<str:public_id>/pay/demo/", views.demo_pay, name="demo_pay"),
    path("<str:public_id>/pay/mine/", views.demo_mine, name="demo_mine"),
]
