"""Settings for the test suite: the real settings, made fast and hermetic.

The fast tier never talks to a broker or an SMTP server: tasks run in-process
after commit and mail lands in `django.core.mail.outbox`. The integration
tier (tests/integration) points Celery at a real Redis and worker itself.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from board.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://localhost/"
# Tests serve static files through Django's finders, with nothing collected.
MIDDLEWARE = [name for name in MIDDLEWARE if not name.startswith("whitenoise.")]  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# No collectstatic before tests: serve files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Factories make every account "new" (joined today): the new-account offer limit
# would stop the many stories that make several offers. tests/moderation turns it on.
BOARD_NEW_ACCOUNT_OFFERS_PER_DAY = 0
# SQLite's test database lives in memory, one per process. Said explicitly because
# pytest-django (under pytest-xdist) recognises SQLite only by Django's own engine
# name, and would otherwise give each worker a file named after var/board.sqlite3.
if DATABASES["default"]["ENGINE"] == "board.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405
