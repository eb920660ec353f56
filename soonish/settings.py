"""Soonish settings, read only from the environment (and `.env` when present)."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
DATA_DIR = Path(env.str("SOONISH_DATA_DIR", default=str(BASE_DIR / "var")))

# Development-only fallbacks; with DEBUG off each of these must come from the environment.
_DEV_SECRETS = {
    "SECRET_KEY": "django-insecure-soonish-development-only",
    "FIELD_ENCRYPTION_KEYS": "soonish-development-only-field-key",
}


def _secret(name: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return _DEV_SECRETS[name]
    sys.stderr.write(f"soonish: {name} is not set; it is required when DEBUG is off.\n")
    raise SystemExit(1)


SECRET_KEY = _secret("SECRET_KEY")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# django-fernet-encrypted-fields derives its Fernet keys from SECRET_KEY x SALT_KEY:
# the first entry encrypts, every entry decrypts (rotation: prepend a new one, then rotate_keys).
SALT_KEY = [k.strip() for k in _secret("FIELD_ENCRYPTION_KEYS").split(",") if k.strip()]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
SOONISH_BASE_URL = env.str("SOONISH_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SOONISH_VERSION = "0.1.0"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "soonish",
    "soonish.accounts",
    "events",
    "integrations",
    "subscriptions",
    "notifications",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "soonish.middleware.RequestLogMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "soonish.urls"
WSGI_APPLICATION = "soonish.wsgi.application"
ASGI_APPLICATION = "soonish.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'soonish.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests run activities in other threads: a file, not the shared-cache memory database
    # whose table locks fail under concurrency.
    # One file per test run, so runs side by side do not share (and delete) each other's.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(DATA_DIR / f"test-{os.getpid()}.sqlite3")
    )
    # The web server and the worker write concurrently: WAL plus IMMEDIATE transactions
    # make SQLite wait for the lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["soonish.accounts.backends.EmailBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Throttle counters must be shared by every web process: a per-process memory cache would let
# each gunicorn worker grant the whole budget. A file cache in the data folder is shared on one
# machine with nothing to run; several machines share Redis (CACHE_URL=redis://…).
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Soonish <soonish@localhost>")

# Temporal
TEMPORAL_ADDRESS = env.str("TEMPORAL_ADDRESS", default="127.0.0.1:7233")
TEMPORAL_NAMESPACE = env.str("TEMPORAL_NAMESPACE", default="default")
TEMPORAL_TASK_QUEUE = env.str("TEMPORAL_TASK_QUEUE", default="soonish")
TEMPORAL_API_KEY = env.str("TEMPORAL_API_KEY", default="")
TEMPORAL_TLS = env.bool("TEMPORAL_TLS", default=False)
TEMPORAL_TLS_CLIENT_CERT = env.str("TEMPORAL_TLS_CLIENT_CERT", default="")
TEMPORAL_TLS_CLIENT_KEY = env.str("TEMPORAL_TLS_CLIENT_KEY", default="")
TEMPORAL_TLS_SERVER_CA = env.str("TEMPORAL_TLS_SERVER_CA", default="")
TEMPORAL_CONNECT_TIMEOUT = env.float("TEMPORAL_CONNECT_TIMEOUT", default=3.0)
TEMPORAL_MAX_CONCURRENT_ACTIVITIES = env.int("TEMPORAL_MAX_CONCURRENT_ACTIVITIES", default=50)

# Network guard: hosts of Apprise URLs that resolve into these CIDRs are allowed even though
# they are private/loopback (a LAN Gotify, a test sink). Everything non-public is refused otherwise.
SOONISH_ALLOWED_PRIVATE_NETWORKS = env.list("SOONISH_ALLOWED_PRIVATE_NETWORKS", default=[])
# Seconds Apprise waits on a channel before giving up (Temporal retries later).
SOONISH_SEND_TIMEOUT = env.float("SOONISH_SEND_TIMEOUT", default=10.0)
# Sends in flight at once per worker process (threads; Apprise is blocking I/O).
SOONISH_SEND_CONCURRENCY = env.int("SOONISH_SEND_CONCURRENCY", default=32)

# Accounts
VERIFICATION_TOKEN_MAX_AGE = 3 * 24 * 3600
PASSWORD_RESET_TIMEOUT = 24 * 3600

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "soonish.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "soonish.schema.AutoSchema",
    "EXCEPTION_HANDLER": "soonish.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["soonish.throttling.ScopedThrottle"],
    # Reverse proxies in front of Soonish that append to X-Forwarded-For: throttles count per
    # client address, read that many entries from the right. 0: the connecting address (a
    # client-sent X-Forwarded-For cannot pick its own throttle bucket).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("THROTTLE_AUTH", default="20/min"),
        "auth_email": env.str("THROTTLE_AUTH_EMAIL", default="5/min"),
        "test_send": env.str("THROTTLE_TEST_SEND", default="10/min"),
        "subscribe": env.str("THROTTLE_SUBSCRIBE", default="30/min"),
        "invite": env.str("THROTTLE_INVITE", default="30/hour"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Soonish API",
    "DESCRIPTION": "Events, subscriptions and the notifications that follow them.",
    "VERSION": SOONISH_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DependencyStatusEnum": ["ok", "down"]},
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["IntegrationKindEnum"] = "integrations.kinds.CHOICES"

# Production hardening: safe defaults when DEBUG is off (`manage.py check --deploy` passes),
# each relaxable from the environment. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER
# so Django sees https and the redirect below does not loop.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health check over plain http.
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the operator's call (anyone may submit a domain that sends the directive);
    # not opting in is a choice, not an oversight.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Request lines come from soonish.request; Django's own would repeat them.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "temporalio": {"level": "WARNING"},
    },
}
