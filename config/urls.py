import os

from django.contrib import admin
from django.urls import include, path
from django.views.generic.base import RedirectView

from cryptoshop.accounts.api import router as auth_router
from cryptoshop.cart.api import router as cart_router
from cryptoshop.catalog import views as catalog_views
from cryptoshop.catalog.api import router as products_router
from cryptoshop.conversations.api import router as conversations_router
from cryptoshop.core import views as core_views
from cryptoshop.core.api import api
from cryptoshop.core.health import router as health_router
from cryptoshop.core.media import serve_media
from cryptoshop.core.metrics import metrics_view
from cryptoshop.escrow.api import router as escrow_router
from cryptoshop.moderation.api import router as report_router
from cryptoshop.notifications.api import router as notifications_router
from cryptoshop.orders import views as order_views
from cryptoshop.orders.api import router as orders_router
from cryptoshop.payments.api import bitcoin_router, blockchain_router
from cryptoshop.payments.refund_api import router as refunds_router
from cryptoshop.payments.wallet_api import router as wallet_router
from cryptoshop.rates.api import router as rates_router
from cryptoshop.reviews import api as reviews_api
from cryptoshop.stores.api import router as sellers_router
from cryptoshop.stores.keys_api import router as keys_router
from cryptoshop.support.api import router as support_router
from cryptoshop.webhooks.api import router as webhooks_router

api.add_router("/auth", auth_router)
api.add_router("", health_router)
api.add_router("/products", products_router)
api.add_router("/products", report_router)
api.add_router("/sellers", sellers_router)
api.add_router("/orders", orders_router)
api.add_router("/orders", refunds_router)
api.add_router("/bitcoin", bitcoin_router)
api.add_router("/blockchain", blockchain_router)
api.add_router("/bitcoin", rates_router)
api.add_router("/bitcoin", wallet_router)
api.add_router("/escrow", escrow_router)
api.add_router("/products", reviews_api.products_router)
api.add_router("/sellers", reviews_api.sellers_router)
api.add_router("/orders", reviews_api.orders_router)
api.add_router("/notifications", notifications_router)
api.add_router("", conversations_router)
api.add_router("/support", support_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/keys", keys_router)
api.add_router("/cart", cart_router)

# Staff log in like everybody else (token + mandatory 2FA); the admin's password form is
# never shown because no account has a password.
admin.site.login = RedirectView.as_view(  # type: ignore[method-assign,assignment]
    url="/accounts/login/", query_string=True
)
admin.site.site_header = "CryptoShop operator"

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("", include("cryptoshop.catalog.urls")),
    path("theme/", core_views.set_theme, name="set_theme"),
    path("metrics", metrics_view, name="metrics"),
    path("help/payments/", RedirectView.as_view(url="/help/", permanent=True),
         name="help_payments"),
    path("", include("cryptoshop.pages.urls")),
    path("notifications/", include("cryptoshop.notifications.urls")),
    path("accounts/", include("cryptoshop.accounts.urls")),
    path("cart/", include("cryptoshop.cart.urls")),
    path("checkout/", order_views.checkout, name="checkout"),
    path("orders/", include("cryptoshop.payments.urls")),
    path("orders/", include("cryptoshop.orders.urls")),
    path("sell/webhooks/", include("cryptoshop.webhooks.urls")),
    path("sell/", include("cryptoshop.sell.urls")),
    path("escrow/", include("cryptoshop.escrow.urls")),
    path("messages/", include("cryptoshop.conversations.urls")),
    path("support/", include("cryptoshop.support.urls")),
    path("", include("cryptoshop.demo.urls")),
    path("media/<path:path>", serve_media, name="media"),
    path("moderation/", include("cryptoshop.moderation.urls")),
    path("staff/", include("cryptoshop.monitor.urls")),
    path("staff/", include("cryptoshop.analytics.urls")),
    path("", include("cryptoshop.reviews.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

if os.environ.get("CRYPTOSHOP_BENCH") == "1":  # the benchmarks' views only
    from cryptoshop.core import bench_views

    urlpatterns.append(path("bench/trivial", bench_views.trivial))
    urlpatterns.append(path("bench/db-hold", bench_views.db_hold))
if os.environ.get("CRYPTOSHOP_TEST_HOOKS") == "1":  # tests/realtime only; never in production
    urlpatterns.append(path("__test__/", include("cryptoshop.realtime.test_hooks")))

handler400 = "cryptoshop.core.views.bad_request"
handler403 = "cryptoshop.core.views.permission_denied"
handler404 = "cryptoshop.core.views.page_not_found"
handler500 = "cryptoshop.core.views.server_error"
