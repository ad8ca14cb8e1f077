from django.contrib import admin
from django.urls import include, path
from django.views.generic.base import RedirectView

from cryptoshop.accounts.api import router as auth_router
from cryptoshop.core import views as core_views
from cryptoshop.core.api import api
from cryptoshop.core.health import router as health_router

api.add_router("/auth", auth_router)
api.add_router("", health_router)

# Staff log in like everybody else (token + mandatory 2FA); the admin's password form is
# never shown because no account has a password.
admin.site.login = RedirectView.as_view(  # type: ignore[method-assign,assignment]
    url="/accounts/login/", query_string=True
)
admin.site.site_header = "CryptoShop operator"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("theme/", core_views.set_theme, name="set_theme"),
    path("accounts/", include("cryptoshop.accounts.urls")),
    path("moderation/", include("cryptoshop.moderation.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler400 = "cryptoshop.core.views.bad_request"
handler403 = "cryptoshop.core.views.permission_denied"
handler404 = "cryptoshop.core.views.page_not_found"
handler500 = "cryptoshop.core.views.server_error"
