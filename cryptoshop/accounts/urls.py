from django.urls import path

from cryptoshop.accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.login, name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("logout/", views.logout, name="logout"),
    path("", views.settings_page, name="settings"),
    path("token/rotate/", views.rotate_token, name="rotate"),
    path("refund-address/", views.refund_address, name="refund_address"),
    path("2fa/", views.two_factor, name="2fa"),
    path("2fa/begin/", views.two_factor_begin, name="2fa_begin"),
    path("2fa/enable/", views.two_factor_enable, name="2fa_enable"),
    path("2fa/disable/", views.two_factor_disable, name="2fa_disable"),
    path("2fa/recovery-codes/", views.two_factor_recovery, name="2fa_recovery"),
    path("delete/", views.delete_account, name="delete"),
]
