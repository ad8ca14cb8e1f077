from django.urls import path

from cryptoshop.escrow import views

app_name = "escrow"

urlpatterns = [
    path("", views.escrow_list, name="list"),
    path("key/", views.key_page, name="key"),
    path("disputes/", views.dispute_queue, name="disputes"),
    path("<str:public_id>/", views.escrow_detail, name="detail"),
    path("<str:public_id>/status/", views.escrow_status, name="status"),
    path("<str:public_id>/release/", views.release, name="release"),
    path("<str:public_id>/refund/", views.refund, name="refund"),
    path("<str:public_id>/auto-release/", views.auto_release, name="auto_release"),
    path("<str:public_id>/sign/", views.sign, name="sign"),
    path("<str:public_id>/dispute/", views.open_dispute, name="dispute"),
    path("<str:public_id>/message/", views.add_message, name="message"),
    path("<str:public_id>/resolve/", views.resolve, name="resolve"),
    path("<str:public_id>/psbt/<int:spend_id>.psbt", views.psbt_download, name="psbt"),
    path("<str:public_id>/descriptor.txt", views.descriptor_download, name="descriptor"),
    path("<str:public_id>/evidence/<str:message_id>/", views.evidence, name="evidence"),
]
