"""Oscar under the same server arrangement as CryptoShop's ``manage.py serve``: uvicorn,
Django as WSGI in an a2wsgi thread pool of the same size (config/asgi.py)."""

import os

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_site.settings")
application = WSGIMiddleware(get_wsgi_application(), workers=8)
