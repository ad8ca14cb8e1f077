from django.urls import path

from cryptoshop.conversations import views

app_name = "conversations"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("order/<str:order_id>/", views.order_thread, name="order"),
    path("ask/<str:listing_id>/", views.ask, name="ask"),
    path("<str:public_id>/", views.thread_page, name="thread"),
    path("<str:public_id>/messages/", views.thread_messages, name="messages"),
    path("<str:public_id>/block/", views.block, name="block"),
    path("<str:public_id>/photo/<str:message_id>/", views.photo, name="photo"),
    path("<str:public_id>/photo/<str:message_id>/thumb/", views.photo, {"size": "thumb"},
         name="thumb"),
]
