"""CryptoShop's Django app in the other arrangements bench_server.py compares.

- ``cs_apps:wsgi_app``: Django's WSGI handler (gunicorn, granian --interface wsgi); pages
  and API only, Socket.IO would be served beside it.
- ``cs_apps:django_asgi_app``: config/asgi.py as it was before ADR 16 (body limit,
  Socket.IO at /socket.io/, Django's ASGI handler behind them): the "before" arrangement.
  ``manage.py serve`` now runs config/asgi.py, the same with Django as WSGI in a2wsgi's
  thread pool.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")


def _wsgi() -> Any:
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _django_asgi() -> Any:
    import socketio
    from django.core.asgi import get_asgi_application

    django_asgi = get_asgi_application()
    from cryptoshop.core.body_limit import BodyLimitMiddleware
    from cryptoshop.realtime.server import on_shutdown, on_startup, sio

    return BodyLimitMiddleware(socketio.ASGIApp(
        sio, other_asgi_app=django_asgi,
        socketio_path="socket.io", on_startup=on_startup, on_shutdown=on_shutdown))


def __getattr__(name: str) -> Any:
    if name == "wsgi_app":
        return _wsgi()
    if name == "django_asgi_app":
        return _django_asgi()
    raise AttributeError(name)
