"""The ASGI application served by uvicorn: Socket.IO at /socket.io/ (live events,
cryptoshop/realtime) in front of Django (pages, API, static via WhiteNoise)."""

import os
import warnings

import socketio
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# WhiteNoise hands Django file iterators that are synchronous; Django then warns on every
# static file. They are small local files read in a thread: the warning is noise here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

django_app = get_asgi_application()  # sets Django up: import app code only after this

from cryptoshop.core.body_limit import BodyLimitMiddleware  # noqa: E402
from cryptoshop.realtime.server import on_shutdown, on_startup, sio  # noqa: E402

# The body limit counts bytes as they arrive (413 once over), in front of everything.
application = BodyLimitMiddleware(socketio.ASGIApp(
    sio,
    other_asgi_app=django_app,
    socketio_path="socket.io",
    # Lifespan (serve.py runs uvicorn with lifespan="on") lets the bus find this loop.
    on_startup=on_startup,
    on_shutdown=on_shutdown,
))
