"""/sell/: the seller's dashboard (store, listings, orders)."""

from django.urls import path

from cryptoshop.sell import (
    api_key_views,
    order_views,
    overview_views,
    payout_views,
    review_views,
)
from cryptoshop.sell import listing_views as seller_views
from cryptoshop.sell import store_views as views

app_name = "sell"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("open/", views.open_store, name="open"),
    path("overview/", overview_views.overview, name="overview"),
    path("store/", views.edit_store, name="store"),
    path("store/logo/", views.upload_logo, name="logo"),
    path("store/shipping/", views.add_shipping, name="shipping_add"),
    path("payments/", payout_views.payout_settings, name="payments"),
    path("api-keys/", api_key_views.key_list, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", api_key_views.key_revoke, name="api_key_revoke"),
    path("store/shipping/<int:option_id>/", views.edit_shipping, name="shipping_edit"),
    path("listings/", seller_views.listing_list, name="listings"),
    path("listings/new/", seller_views.listing_new, name="listing_new"),
    path("listings/<str:public_id>/", seller_views.listing_edit, name="listing_edit"),
    path("listings/<str:public_id>/status/", seller_views.listing_status, name="listing_status"),
    path("listings/<str:public_id>/delete/", seller_views.listing_delete, name="listing_delete"),
    path("listings/<str:public_id>/images/<int:image_id>/remove/",
         seller_views.listing_image_remove, name="listing_image_remove"),
    path("orders/", order_views.seller_orders, name="orders"),
    path("orders/<str:public_id>/", order_views.seller_order, name="order"),
    path("orders/<str:public_id>/ship/", order_views.seller_ship, name="order_ship"),
    path("orders/<str:public_id>/refund/", order_views.seller_refund, name="order_refund"),
    path("reviews/", review_views.seller_reviews, name="reviews"),
    path("reviews/<str:public_id>/answer/", review_views.answer_review, name="review_answer"),
]
