from django.urls import path

from cryptoshop.catalog import views

app_name = "catalog"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("s/<slug:slug>/", views.store_page, name="store"),
    path("l/<str:public_id>/", views.listing_detail, name="listing_short"),
    path("l/<str:public_id>/<slug:slug>/", views.listing_detail, name="listing"),
]
