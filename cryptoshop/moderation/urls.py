from django.urls import path

from cryptoshop.moderation import message_reports, review_views, views

app_name = "moderation"

urlpatterns = [
    path("report/<str:public_id>/", views.report_listing, name="report"),
    path("report/review/<str:public_id>/", review_views.report_review, name="report_review"),
    path("report/message/<str:public_id>/", message_reports.report_message,
         name="report_message"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:report_id>/act/", views.act, name="act"),
]
