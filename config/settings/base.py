"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "ninja",  # its API docs page from its own static files (not a CDN)
    "shops",
    "customers",
    "devices",
    "tickets",
    "parts",
    "pricebook",
    "notifications",
    "billing",
    "reports",
    "privacy",
    "audit",
    "api",
    "recurring",
    "loaners",
    "mailin",
    "booking",
    "tenancy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shops.middleware.CurrentShopMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "api.middleware.ApiKeyMiddleware",
    "shops.middleware.HtmxMessagesMiddleware",
    "tickets.middleware.TimelineChangedMiddleware",
    "csp.middleware.CSPMiddleware",
    "shops.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused sign-in into the lockout page
]

# Content-Security-Policy (django-csp): the app's own files only. No inline script or style
# (templates have none: tests/test_csp.py), no eval (htmx runs with allowEval off); images
# may be data: URIs (drawn signatures, Bootstrap's form icons). Stripe Checkout's origin is
# added to form-action only on pages with the Pay button (notifications/status.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Features no page uses. Intake photos come through a file input, whose camera is the
# phone's own picker and needs no camera permission here.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), "
    "browsing-topics=()"
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "shops.context_processors.current_shop",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgres://postgres@localhost:5432/benchdesk"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Parameters bound by the server, and each statement prepared the fifth time a connection runs
# it: the busiest pages repeat the same few queries, and planning the works-order page's joins
# took 20 times longer than running them. (Django leaves preparing off for the sake of
# transaction-mode connection poolers; docker-compose.yml connects straight to PostgreSQL.)
DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
# Django's backend, counting rollbacks (config/postgresql: audit.context sends who is acting once
# per transaction, and again only after a rollback has undone it).
DATABASES["default"]["ENGINE"] = "config.postgresql"
# Row-level security (tenancy/): DATABASE_URL names the tables' owner, which `migrate` (and
# `flush`) log in as; with DATABASE_APP_USER set, everything else logs in as that role
# (benchdesk_app: owns nothing, cannot bypass the shop policies; its password is set from
# DATABASE_APP_PASSWORD by every `migrate`).
DATABASE_APP_USER = env("DATABASE_APP_USER", "")
DATABASE_APP_PASSWORD = env("DATABASE_APP_PASSWORD", "")
if DATABASE_APP_USER:
    owner = {key: DATABASES["default"].get(key, "") for key in ("USER", "PASSWORD")}
    DATABASES["default"].update(USER=DATABASE_APP_USER, PASSWORD=DATABASE_APP_PASSWORD, OWNER=owner)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "shops.User"
# Axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "shops.auth.MemberBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a day: long enough for a shift, short enough to be safe

# Sign-in protection (shops/signin.py): 5 failures on one account or 30 from one address
# within the cool-off pause sign-in for 15 minutes after the last of them.
AXES_FAILURE_LIMIT = 5
SIGNIN_ADDRESS_LIMIT = 30
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "shops.signin.SignInLockouts"
AXES_USERNAME_CALLABLE = "shops.signin.username_of"
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (the model's is "email")
AXES_CLIENT_IP_CALLABLE = "shops.ratelimit.client_address"
AXES_LOCKOUT_CALLABLE = "shops.signin.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # Django keeps last_login; successful sign-ins need no log
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".devdata" / "media")))

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# Django's Redis cache, sharing its redis-py clients (config/cache.py).
CACHES = {
    "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL},
    # Rate-limit counters (shops/ratelimit.py): Redis everywhere, since they must be shared by
    # every worker and counted atomically.
    "ratelimit": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ratelimit",
    },
}
# How many proxies in front append to X-Forwarded-For (0: the client is REMOTE_ADDR). Sign-in
# lockouts and rate limits count by the address found this way.
RATELIMIT_PROXY_COUNT = int(env("RATELIMIT_PROXY_COUNT", "0"))

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Requests hand a committed message's send task to a thread of their process rather than wait on
# the broker (notifications/publisher.py); the outbox sweep covers whatever that thread misses.
OUTBOX_PUBLISH_IN_BACKGROUND = True
# The KPI dashboard reads half its figures on a second connection, from a helper thread of the
# process (reports/beside.py): 1 reads them all on the request's.
DASHBOARD_CONNECTIONS = int(env("DASHBOARD_CONNECTIONS", "2"))
CELERY_BEAT_SCHEDULE: dict = {
    "outbox-sweep": {"task": "notifications.tasks.outbox_sweep", "schedule": 60.0},
    # A beat not taken within the minute is dropped: the next one catches up on its own.
    "sla-sweep": {
        "task": "tickets.tasks.sla_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Monday 8:00 is a different moment in each branch's time zone: a beat every five minutes
    # sends each summary when its moment has come, and catches up until Wednesday 8:00.
    "weekly-summaries": {
        "task": "reports.tasks.weekly_summaries",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # The KPI dashboard's daily rollups: yesterday (and any day missed) rolled up after midnight.
    "reports-rollup": {
        "task": "reports.tasks.rollup_catch_up",
        "schedule": crontab(hour=0, minute=20),
    },
    # Recurring works orders: each visit raised its lead time ahead, once (recurring/services.py).
    "recurring-visits": {
        "task": "recurring.tasks.raise_due_visits",
        "schedule": 900.0,
        "options": {"expires": 850},
    },
    # Outbound webhooks due (new, or a retry whose backoff is over, or lost with a worker).
    "webhooks-sweep": {
        "task": "api.tasks.webhooks_sweep",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Nightly: finished webhook events past WEBHOOK_LOG_DAYS (their payloads name customers).
    "webhooks-prune": {
        "task": "api.tasks.webhooks_prune",
        "schedule": crontab(hour=3, minute=41),
        "options": {"expires": 3 * 3600},
    },
    # Nightly, in the small hours: photos and messages past each shop's retention period.
    "retention-sweep": {
        "task": "privacy.tasks.retention_sweep",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3 * 3600},
    },
}

# The REST API (api/): requests per minute per key, beyond which 429 with Retry-After.
API_RATE_PER_MINUTE = int(env("API_RATE_PER_MINUTE", "120"))
# Outbound webhooks: endpoints must be https:// (production turns this on), and how long one
# delivery may take before it counts as a failed attempt.
WEBHOOKS_HTTPS_ONLY = env_bool("WEBHOOKS_HTTPS_ONLY", False)
# Endpoints on loopback, private or link-local addresses (api/outbound.py): off, so a webhook
# cannot reach into the installation's own network; on for a receiver on the same network.
WEBHOOKS_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_PRIVATE_ADDRESSES", False)
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
# How long the delivery log keeps an event once every delivery of it is finished.
WEBHOOK_LOG_DAYS = int(env("WEBHOOK_LOG_DAYS", "30"))

# Where customers and providers reach this installation: links in SMS and emails (which have no
# request to take a host from), and the address Twilio signs its webhooks for.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# SMS. Without these every SMS is kept as "not sent: SMS is not set up".
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", "")  # tests point the client at a stand-in

# Card payments online (Stripe Checkout) from the customer's status page. Without both keys the
# Pay button is not shown anywhere and the webhook accepts nothing.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE_URL = env("STRIPE_API_BASE_URL", "")  # tests point the client at a stand-in
# Where the Pay button's form ends up (its 303 to Checkout): the CSP's form-action allows it there.
STRIPE_CHECKOUT_ORIGIN = env("STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Benchdesk <no-reply@benchdesk.localhost>")

MESSAGE_TAGS = {40: "danger"}  # Bootstrap names the error colour "danger"

SESSION_COOKIE_AGE = 60 * 60 * 12  # one working day at the counter
# Sessions are read from Redis on every request (kept in the database too, so a Redis restart
# signs nobody out): one query fewer on every page, and the board polls every few seconds.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},  # it narrates every render step at INFO
        "fontTools": {"level": "WARNING"},
    },
}

FORM_RENDERER = "shops.renderers.DrawnWidgetsRenderer"

# Device passcodes are encrypted with their own key(s), never with SECRET_KEY, so rotating
# one never exposes or breaks the other. Comma-separated Fernet keys: the first encrypts,
# all decrypt (rotate by putting a new key first). The default is for development only.
PASSCODE_KEYS = env_list("PASSCODE_KEY", "ZGV2LW9ubHktcGFzc2NvZGUta2V5LW5vdC1zZWNyZXQ=")

# Intake and bench photos: what the counter may upload, and the size they are kept at.
PHOTO_MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # a 24 MP phone JPEG is 5–12 MB
# Refused above this from the header, before decoding; phones shoot 12 MP unless told otherwise.
# Decoding a PNG this size takes about 100 MB; a JPEG is decoded at a fraction of it.
PHOTO_MAX_PIXELS = 24_000_000
PHOTO_MAX_EDGE = 2000
PHOTO_MAX_PER_REQUEST = 10

# Uploads as a whole. A multipart request above this is refused before it is read (a friendly
# 400 page); the room above a full set of photos is for the rest of the intake form and the
# pricebook's CSV import (25 MB).
UPLOAD_MAX_REQUEST_BYTES = PHOTO_MAX_PER_REQUEST * PHOTO_MAX_UPLOAD_BYTES + 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "config.uploads.RequestSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Files above this go to a temporary file rather than memory: a request holds at most
# DATA_UPLOAD_MAX_NUMBER_FILES of these in memory at once.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# More files than this are not read at all (the 400 page). Well above PHOTO_MAX_PER_REQUEST, so
# a whole camera roll chosen by mistake gets the photo field's own message, the form kept.
DATA_UPLOAD_MAX_NUMBER_FILES = 5 * PHOTO_MAX_PER_REQUEST

# Pricebook CSV imports up to this many rows are previewed and applied while the manager waits;
# bigger files go to a Celery task and the page shows its progress.
PRICEBOOK_INLINE_IMPORT_ROWS = 2000
