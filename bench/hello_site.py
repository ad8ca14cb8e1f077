"""A bare Django project in one module: no apps, no middleware, no database, one view.

bench_server.py serves it under the same servers as CryptoShop to show what Django itself
costs on this machine. ``hello_site:asgi_app`` (ASGI) and ``hello_site:wsgi_app`` (WSGI),
with DJANGO_SETTINGS_MODULE=hello_site and bench/ on sys.path.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 (a loopback benchmark's hello view)
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
ROOT_URLCONF = "hello_site"
USE_TZ = True


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", hello)]


def _asgi():  # type: ignore[no-untyped-def]
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


def _wsgi():  # type: ignore[no-untyped-def]
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _hybrid():  # type: ignore[no-untyped-def]
    from a2wsgi import WSGIMiddleware

    return WSGIMiddleware(_wsgi(), workers=8)


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    # Built on first use, after Django has read this module as its settings.
    if name == "asgi_app":
        return _asgi()
    if name == "wsgi_app":
        return _wsgi()
    if name == "hybrid_app":
        return _hybrid()
    raise AttributeError(name)
