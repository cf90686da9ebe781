from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Rate limits count in Redis as in production (atomically), in a database of their own that a
# fixture empties before each test.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": CACHES["ratelimit"]  # noqa: F405
    | {"LOCATION": urlunsplit(urlsplit(REDIS_URL)._replace(path="/3"))},  # noqa: F405
}
CELERY_TASK_ALWAYS_EAGER = False
OUTBOX_PUBLISH_IN_BACKGROUND = False  # a test sees the task queued when its transaction commits
# A test's rows are in its own transaction, which a second connection cannot see: the dashboard
# reads on one (tests/reports/test_beside.py reads on two, with committed rows).
DASHBOARD_CONNECTIONS = 1
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
WEBHOOKS_PRIVATE_ADDRESSES = True  # the fake receivers listen on 127.0.0.1
