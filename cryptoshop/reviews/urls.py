from django.urls import path

from cryptoshop.reviews import views

app_name = "reviews"

urlpatterns = [
    path("reviews/new/<str:order_id>/<str:listing_id>/", views.review_new, name="new"),
    path("reviews/<str:public_id>/edit/", views.review_edit, name="edit"),
    path("reviews/<str:public_id>/delete/", views.review_delete, name="delete"),
    path("s/<slug:slug>/reviews/", views.store_review_list, name="store"),
]
