from django.urls import path

from cryptoshop.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<str:public_id>/", views.order_detail, name="detail"),
    path("<str:public_id>/cancel/", views.order_cancel, name="cancel"),
    path("<str:public_id>/received/", views.order_received, name="received"),
    path("<str:public_id>/download/<str:listing_id>/", views.digital_download,
         name="download"),
]
