from django.urls import path

from cryptoshop.support import staff_views, views

app_name = "support"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("staff/", staff_views.queue, name="queue"),
    path("staff/<str:public_id>/", staff_views.ticket_page, name="staff_ticket"),
    path("staff/<str:public_id>/messages/", staff_views.ticket_messages, name="staff_messages"),
    path("staff/<str:public_id>/update/", staff_views.update, name="staff_update"),
    path("<str:public_id>/", views.ticket_page, name="ticket"),
    path("<str:public_id>/messages/", views.ticket_messages, name="messages"),
    path("<str:public_id>/close/", views.close, name="close"),
]
