"""The ASGI application served by uvicorn: Socket.IO at /socket.io/ (live events,
cryptoshop/realtime) in front of Django (pages, API, static via WhiteNoise).

Django runs behind it as a WSGI app in a thread pool (a2wsgi), not through Django's ASGI
handler: our views and middleware are all synchronous, and the ASGI handler runs them one
at a time on a single thread with several thread hops per request, which made the whole
shop 4 times slower on the trivial view (bench/bench_server.py, ADR 16). uvicorn, Socket.IO
and the body limit stay asynchronous, in the same one process.
"""

import os
import warnings
from typing import Any

import socketio
from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# WhiteNoise hands Django file iterators that are synchronous; Django then warns on every
# static file. They are small local files read in a thread: the warning is noise here.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

# Any: Django's and a2wsgi's type stubs spell the WSGI and ASGI callables differently.
django_app: Any = get_wsgi_application()  # sets Django up: import app code only after this

from django.conf import settings  # noqa: E402

from cryptoshop.core.body_limit import BodyLimitMiddleware, WholeChunkedBody  # noqa: E402
from cryptoshop.core.startup import freeze_startup_objects  # noqa: E402
from cryptoshop.realtime.server import on_shutdown, on_startup, sio  # noqa: E402

django_threads: Any = WSGIMiddleware(django_app, workers=settings.WEB_THREADS)

# The body limit counts bytes as they arrive (413 once over), in front of everything.
application = BodyLimitMiddleware(socketio.ASGIApp(
    sio,
    other_asgi_app=WholeChunkedBody(django_threads),
    socketio_path="socket.io",
    # Lifespan (serve.py runs uvicorn with lifespan="on") lets the bus find this loop.
    on_startup=on_startup,
    on_shutdown=on_shutdown,
))

# Everything imported so far lives as long as the process: out of the collector's way
# (core/startup.py), in each worker process uvicorn starts.
freeze_startup_objects()
