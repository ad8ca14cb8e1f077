from django.urls import path

from cryptoshop.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:notice_id>/read/", views.mark_read, name="read"),
    path("<int:notice_id>/open/", views.open_notice, name="open"),
]
