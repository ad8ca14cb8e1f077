"""Django settings, driven by the environment. Every variable is documented in .env.example."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.databases import databases
from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    load_dotenv,
)
from cryptoshop import __version__
from cryptoshop.core.secrets_store import load_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

VERSION = __version__
VAR_DIR = Path(env_str("CRYPTOSHOP_VAR_DIR") or BASE_DIR / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

SERVER_SECRETS = load_secrets(VAR_DIR)
SECRET_KEY = SERVER_SECRETS.django_secret_key

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Behind HTTPS (or an onion service terminated by a proxy that says so) cookies get the
# Secure flag and the __Host- prefix. The local default is plain http://127.0.0.1.
HTTPS = env_bool("CRYPTOSHOP_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "cryptoshop.core",
    "cryptoshop.accounts",
    "cryptoshop.chain",
    "cryptoshop.stores",
    "cryptoshop.catalog",
    "cryptoshop.cart",
    "cryptoshop.orders",
    "cryptoshop.moderation",
    "cryptoshop.payments",
    "cryptoshop.escrow",
    "cryptoshop.rates",
    "cryptoshop.realtime",
    "cryptoshop.notifications",
    "cryptoshop.pages",
    "cryptoshop.conversations",
    "cryptoshop.reviews",
    "cryptoshop.support",
    "cryptoshop.monitor",
    "cryptoshop.webhooks",
    "cryptoshop.analytics",
    "cryptoshop.sell",
    "cryptoshop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cryptoshop.core.metrics.MetricsMiddleware",
    "cryptoshop.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cryptoshop.core.middleware.RequestLogMiddleware",
    # Marks clients that wrote, so they read the primary for a while (core/dbrouter.py).
    "cryptoshop.core.dbrouter.ReadYourWritesMiddleware",
    "cryptoshop.core.middleware.RequestSizeLimitMiddleware",
    "cryptoshop.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cryptoshop.accounts.middleware.StaffTwoFactorMiddleware",
    "cryptoshop.core.middleware.ActionErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cryptoshop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cryptoshop.core.context_processors.site",
                "cryptoshop.cart.context_processors.cart",
                "cryptoshop.notifications.context_processors.unread_notifications",
                "cryptoshop.conversations.context_processors.conversations",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# A streaming standby for catalogue and search reads (core/dbrouter.py, docs/operations.md).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# Reads leave the replica while it is further behind than this, or down (core/replica.py).
REPLICA_MAX_LAG_SECONDS = env_int("CRYPTOSHOP_REPLICA_MAX_LAG_SECONDS", 5)
# A client that wrote reads only from the primary for this long (read-your-writes).
READ_YOUR_WRITES_SECONDS = env_int("CRYPTOSHOP_READ_YOUR_WRITES_SECONDS", 10)
# How long one measurement of the replica's state is trusted, per process.
REPLICA_CHECK_SECONDS = env_int("CRYPTOSHOP_REPLICA_CHECK_SECONDS", 2)
# PostgreSQL (with psycopg's pool, ADR 18, and the replica alias) or the SQLite file.
DATABASES = databases(DATABASE_URL, DATABASE_REPLICA_URL, VAR_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Everything reads and writes the primary, except what a view opts into with
# dbrouter.replica_reads (catalogue and search), and only while the replica is fit.
DATABASE_ROUTERS = ["cryptoshop.core.dbrouter.ReplicaRouter"]

# --- cache, rate limits --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CRYPTOSHOP_CACHE_PREFIX", "cryptoshop"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The catalogue's cached pages (ADR 15) in a cache of their own: a flood of distinct search
# URLs then evicts only other cached pages, never the rate-limit counters in "default".
CATALOG_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "catalog",
    "OPTIONS": {"MAX_ENTRIES": env_int("CRYPTOSHOP_CATALOG_CACHE_ENTRIES", 1000)}}
CACHES["catalog"] = ({**CACHES["default"], "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"]
                      + ":catalog"} if REDIS_URL else CATALOG_CACHE)

# (limit, window seconds) per scope; see cryptoshop/core/ratelimit.py.
RATE_LIMITS: dict[str, tuple[int, int]] = {
    "login:ip": (env_int("CRYPTOSHOP_LOGIN_LIMIT_PER_IP", 20), 300),
    "totp:account": (env_int("CRYPTOSHOP_TOTP_LIMIT_PER_ACCOUNT", 5), 900),
    "totp:ip": (env_int("CRYPTOSHOP_TOTP_LIMIT_PER_IP", 20), 900),
    "register:ip": (env_int("CRYPTOSHOP_REGISTER_LIMIT_PER_IP", 10), 3600),
    "report:ip": (env_int("CRYPTOSHOP_REPORT_LIMIT_PER_IP", 10), 3600),
    "checkout:account": (env_int("CRYPTOSHOP_CHECKOUT_LIMIT_PER_ACCOUNT", 20), 3600),
    "invoice:account": (env_int("CRYPTOSHOP_INVOICE_LIMIT_PER_ACCOUNT", 20), 3600),
    "invoice:ip": (env_int("CRYPTOSHOP_INVOICE_LIMIT_PER_IP", 60), 3600),
    # Escrow actions that sign or derive keys (a typed phrase costs a PBKDF2 run).
    "escrow:sign": (env_int("CRYPTOSHOP_ESCROW_SIGN_LIMIT", 30), 3600),
    "escrow:key": (env_int("CRYPTOSHOP_ESCROW_KEY_LIMIT", 10), 3600),
    "escrow:message": (env_int("CRYPTOSHOP_ESCROW_MESSAGE_LIMIT", 60), 3600),
    # Reviews written, edited or deleted, and sellers' answers, per account.
    "review:account": (env_int("CRYPTOSHOP_REVIEW_LIMIT_PER_ACCOUNT", 30), 3600),
    # Conversations: new question threads per account per hour, messages per minute.
    "conversations:thread": (env_int("CRYPTOSHOP_THREAD_LIMIT_PER_HOUR", 10), 3600),
    "conversations:message": (env_int("CRYPTOSHOP_MESSAGE_LIMIT_PER_MINUTE", 10), 60),
    # Support: new tickets per account per hour, ticket messages per account per minute.
    "support:ticket": (env_int("CRYPTOSHOP_TICKET_LIMIT_PER_HOUR", 5), 3600),
    "support:message": (env_int("CRYPTOSHOP_TICKET_MESSAGE_LIMIT_PER_MINUTE", 10), 60),
    # Webhook test pings and redeliveries a store may ask for per hour (each makes the shop
    # send a request on the seller's behalf).
    "webhook:send": (env_int("CRYPTOSHOP_WEBHOOK_SEND_LIMIT_PER_HOUR", 60), 3600),
}
# --- Bitcoin ------------------------------------------------------------------------------
# mainnet, testnet, signet or regtest. The embedded default is a local regtest node.
BITCOIN_NETWORK = env_str("CRYPTOSHOP_NETWORK", "regtest")
# auto (regtest: the node started by `manage.py regtest start`), rpc, esplora, none.
CHAIN_BACKEND = env_str("CRYPTOSHOP_CHAIN_BACKEND", "auto")
CHAIN_RPC_URL = env_str("CRYPTOSHOP_RPC_URL", "http://127.0.0.1:8332")
CHAIN_RPC_USER = env_str("CRYPTOSHOP_RPC_USER")
CHAIN_RPC_PASSWORD = env_str("CRYPTOSHOP_RPC_PASSWORD")
CHAIN_RPC_COOKIE_FILE = env_str("CRYPTOSHOP_RPC_COOKIE_FILE")
CHAIN_ESPLORA_URL = env_str("CRYPTOSHOP_ESPLORA_URL")
WATCHER_POLL_SECONDS = env_int("CRYPTOSHOP_WATCHER_POLL_SECONDS", 1)
# Push from the node (ADR 17): btcd's websocket or bitcoind's ZMQ wakes the watcher at once
# on a block or transaction; the poll above stays the fallback. auto = wherever the node
# offers it (btcd always; bitcoind when it publishes ZMQ), on = the same but health is
# degraded without it, off = poll only. Esplora has no push.
CHAIN_PUSH = env_str("CRYPTOSHOP_CHAIN_PUSH", "auto").lower()
if CHAIN_PUSH not in {"auto", "on", "off"}:
    raise ImproperlyConfigured("CRYPTOSHOP_CHAIN_PUSH must be auto, on or off")
# bitcoind's ZMQ endpoints (comma-separated, e.g. tcp://127.0.0.1:28332); empty = ask the
# node (getzmqnotifications), which works when it publishes on an address we can reach.
CHAIN_ZMQ_ENDPOINTS = [e.strip() for e in env_str("CRYPTOSHOP_BITCOIND_ZMQ").split(",")
                       if e.strip()]
# A leader that stops renewing (crashed, killed) is replaced after this many seconds.
WATCHER_LEASE_SECONDS = env_int("CRYPTOSHOP_WATCHER_LEASE_SECONDS", 30)
# Whether `serve` runs the watcher itself (the embedded default) or leaves it to
# `manage.py worker` processes.
WATCHER_IN_WEB = env_bool("CRYPTOSHOP_WATCHER_IN_WEB", True)
# Threads per web process that run Django (pages, API) behind uvicorn (config/asgi.py,
# ADR 16); each may hold a database connection while it answers.
WEB_THREADS = max(1, env_int("CRYPTOSHOP_WEB_THREADS", 8))
# Unpaid invoices (payment addresses) one account may hold at once.
MAX_OPEN_INVOICES = env_int("CRYPTOSHOP_MAX_OPEN_INVOICES", 5)
# The demo wallet and "mine a block" buttons on the pay page (regtest only).
DEMO_WALLET = env_bool("CRYPTOSHOP_DEMO_WALLET", BITCOIN_NETWORK == "regtest")

# --- webhooks (cryptoshop/webhooks, docs/webhooks.md) ----------------------------------------
# Whether sellers may point webhooks at private, loopback or link-local addresses (the
# shop's own network). Off except on regtest, where the receiver usually runs on this host.
WEBHOOK_ALLOW_PRIVATE = env_bool("CRYPTOSHOP_WEBHOOK_ALLOW_PRIVATE",
                                 BITCOIN_NETWORK == "regtest")
# Seconds one delivery attempt may take; seconds between runs of the delivery job.
WEBHOOK_TIMEOUT_SECONDS = env_int("CRYPTOSHOP_WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_POLL_SECONDS = env_int("CRYPTOSHOP_WEBHOOK_POLL_SECONDS", 5)

# --- escrow (cryptoshop/escrow, docs/escrow-protocol.md) --------------------------------------
# The marketplace fee on a release (and on the seller's share of a dispute split): a
# percentage with a minimum, paid to the operator's watch-only fee wallet. Without a fee
# wallet no fee output is made.
# The demo default (regtest with the demo wallet on): a watch-only account of the public
# BIP39 test vector (cryptoshop/demo/wallets.py), so `make run` shows a fee output.
_DEMO_FEE_WALLET = ("[73c5da0a/84h/1h/999h]tpubDC8msFGeGuxYEfhoE2ruHTfp5bKkfoCkRnnzr94GJwsSsZfD"
                    "CorSS9juJrMqVNCQc136B9MrxtFJ4XdPeE83Jx7z5FaV7kH2vXtEFcnLFFY")
ESCROW_FEE_WALLET = env_str("CRYPTOSHOP_ESCROW_FEE_WALLET",
                            _DEMO_FEE_WALLET if DEMO_WALLET else "")
ESCROW_FEE_PERCENT = env_str("CRYPTOSHOP_ESCROW_FEE_PERCENT", "1")
ESCROW_FEE_MIN_SAT = env_int("CRYPTOSHOP_ESCROW_FEE_MIN_SAT", 1000)
# Network fee rate bounds (sat/vB) around the node's ~1-hour estimate (estimatesmartfee, or
# the mempool's tiers on btcd: cryptoshop/chain/netstats.py); the default is used when the
# node can't be asked.
ESCROW_FEE_RATE_MIN = env_int("CRYPTOSHOP_ESCROW_FEE_RATE_MIN", 1)
ESCROW_FEE_RATE_MAX = env_int("CRYPTOSHOP_ESCROW_FEE_RATE_MAX", 200)
ESCROW_FEE_RATE_DEFAULT = env_int("CRYPTOSHOP_ESCROW_FEE_RATE_DEFAULT", 2)
# Auto-release: a seller may claim this many days after shipping (store setting within
# these bounds) when the buyer neither released nor disputed.
ESCROW_AUTO_RELEASE_MIN_DAYS = env_int("CRYPTOSHOP_ESCROW_AUTO_RELEASE_MIN_DAYS", 3)
ESCROW_AUTO_RELEASE_MAX_DAYS = env_int("CRYPTOSHOP_ESCROW_AUTO_RELEASE_MAX_DAYS", 60)

# /api/blockchain/stats and /network/: how long the node's figures are reused (seconds).
NETWORK_STATS_CACHE_SECONDS = env_int("CRYPTOSHOP_NETWORK_STATS_CACHE_SECONDS", 30)

# How long checkout holds stock for an unpaid order.
ORDER_RESERVATION_MINUTES = env_int("CRYPTOSHOP_ORDER_RESERVATION_MINUTES", 30)
# Shipping addresses and notes of finished orders are erased after this many days.
ORDER_PURGE_DAYS = env_int("CRYPTOSHOP_ORDER_PURGE_DAYS", 30)
# A buyer may change their review (rating, text) for this many days after writing it, and
# delete it at any time; the seller's one answer is final (docs/reviews.md).
REVIEW_EDIT_DAYS = env_int("CRYPTOSHOP_REVIEW_EDIT_DAYS", 30)
# At most this many unpaid orders per account at once.
MAX_PENDING_ORDERS = env_int("CRYPTOSHOP_MAX_PENDING_ORDERS", 10)
# How many reverse proxies sit in front of us; 0 means trust REMOTE_ADDR only. The client
# address is used for rate limits only (hashed), never logged.
TRUSTED_PROXY_HOPS = env_int("CRYPTOSHOP_TRUSTED_PROXY_HOPS", 0)

# --- exchange rates (cryptoshop/rates, docs/rates.md) ----------------------------------------
RATE_SOURCES = env_list("CRYPTOSHOP_RATE_SOURCES",
                        ["kraken", "bitstamp", "coinbase", "binance", "coingecko"])
RATE_FIXED_RATES = env_str("CRYPTOSHOP_FIXED_RATES")
RATE_CURRENCIES = env_list("CRYPTOSHOP_RATE_CURRENCIES",
                           ["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY"])
RATE_DEFAULT_CURRENCY = env_str("CRYPTOSHOP_RATE_DEFAULT_CURRENCY", "USD")
RATE_MIN_SOURCES = env_int("CRYPTOSHOP_RATE_MIN_SOURCES", 2)
RATE_MAX_AGE_SECONDS = env_int("CRYPTOSHOP_RATE_MAX_AGE_SECONDS", 600)
RATE_OUTLIER_PERCENT = env_str("CRYPTOSHOP_RATE_OUTLIER_PERCENT", "5")
RATE_REFRESH_SECONDS = env_int("CRYPTOSHOP_RATE_REFRESH_SECONDS", 60)
RATE_TIMEOUT_SECONDS = env_str("CRYPTOSHOP_RATE_TIMEOUT_SECONDS", "5")
RATE_SOURCE_URLS = env_str("CRYPTOSHOP_RATE_SOURCE_URLS")
# --- health and metrics ---------------------------------------------------------------------
# /api/health/detailed and /api/health/{component}: staff with 2FA, or this bearer token.
HEALTH_TOKEN = env_str("CRYPTOSHOP_HEALTH_TOKEN")
# /metrics: this bearer token, or a client address in these networks (loopback by default).
METRICS_TOKEN = env_str("CRYPTOSHOP_METRICS_TOKEN")
METRICS_ALLOW = env_list("CRYPTOSHOP_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
for _net in METRICS_ALLOW:
    try:
        ipaddress.ip_network(_net, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"CRYPTOSHOP_METRICS_ALLOW: {_net!r} is not a network") from _exc
# prometheus-client's multi-process mode (one file per process, summed at scrape time):
# must be set before prometheus_client is first imported, which is after settings load.
METRICS_DIR = VAR_DIR / "metrics"
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(METRICS_DIR))
# The live staff dashboard (/staff/live/): how often it takes a snapshot, publishes
# metrics:update and checks every component for alerts.
LIVE_DASHBOARD_SECONDS = max(1, env_int("CRYPTOSHOP_LIVE_DASHBOARD_SECONDS", 10))
# Sales analytics (/sell/overview/, /staff/analytics/): how often the rollup tables take in
# what happened since their last refresh (docs/analytics.md).
ANALYTICS_REFRESH_SECONDS = max(1, env_int("CRYPTOSHOP_ANALYTICS_REFRESH_SECONDS", 300))

# /api/health reports "prices" only when the site configured rates explicitly.
RATE_HEALTH = env_bool("CRYPTOSHOP_RATE_HEALTH", bool(RATE_FIXED_RATES)
                       or env_str("CRYPTOSHOP_RATE_SOURCES").lower() not in {"", "none"})

# --- auth, sessions, CSRF --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "cryptoshop.accounts.backends.AccessTokenBackend",
    # Only for permission checks in the admin: no account has a usable password.
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("CRYPTOSHOP_SESSION_DAYS", 14) * 86400
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_NAME = "__Host-session" if HTTPS else "cs_session"
CSRF_COOKIE_HTTPONLY = False  # the JS enhancement reads it for fetch(); forms don't need it
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "cs_csrftoken"
CSRF_FAILURE_VIEW = "cryptoshop.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CRYPTOSHOP_HSTS_SECONDS", 0)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Whole request bodies (8 photos of 8 MB plus a 20 MB digital file fit).
MAX_REQUEST_BYTES = env_int("CRYPTOSHOP_MAX_REQUEST_MB", 90) * 1024 * 1024

# --- i18n, static --------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The shop's time zone: dates shown and the days and months analytics count sales in.
TIME_ZONE = env_str("CRYPTOSHOP_TIME_ZONE") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "cryptoshop" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("CRYPTOSHOP_MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

SITE_NAME = env_str("CRYPTOSHOP_SITE_NAME", "CryptoShop")

# --- logging ---------------------------------------------------------------------------------
LOG_LEVEL = env_str("CRYPTOSHOP_LOG_LEVEL", "INFO").upper()
LOG_JSON = env_bool("CRYPTOSHOP_LOG_JSON", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "cryptoshop.core.log_format.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "cryptoshop.core.log_format.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # uvicorn's access log prints client addresses; ours (RequestLogMiddleware) doesn't.
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
