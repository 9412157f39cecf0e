"""Settings for the peer-support board.

Every setting that differs between a laptop and a deployment is read from the
environment here, in one place, with a safe local default. Production
(`DJANGO_DEBUG=false`) refuses to start without a real secret key and hosts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOARD_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

_LOCAL_SECRET = "local-only-insecure-secret-key-never-used-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. "
            "For a local run use `make run`, which turns debug on."
        )
    SECRET_KEY = _LOCAL_SECRET
if not DEBUG and (
    SECRET_KEY == _LOCAL_SECRET
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be a long random value (50 characters or more, not the "
        "local default) when DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the host(s) the board is served on.")

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "csp",
    "rest_framework",
    "django_filters",
    # The REST API (issue 4): personal tokens, OpenAPI schema and docs, one error format.
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "board",
    "accounts",
    "requests.apps.RequestsConfig",
    "moderation",
    "stories",
    "notifications",
    # Demo data (`manage.py seed_demo`): imports the apps above, none imports it.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "board.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Inside the session middleware, so that it sees whether the view read the session.
    "board.middleware.PrivateCacheMiddleware",
    "board.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "board.middleware.QueryStringGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A page that can't reach the database: a kind 503 keeping what was typed.
    "board.middleware.DatabaseUnavailableMiddleware",
    # A service's refusal no view caught: a page saying why (409).
    "board.middleware.RefusalMiddleware",
]

if not DEBUG:
    # Serves collected static files from the web process (after collectstatic).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "board.urls"
WSGI_APPLICATION = "board.wsgi.application"
ASGI_APPLICATION = "board.asgi.application"

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
                "django.template.context_processors.i18n",
                "board.context_processors.board",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# A plain dict, not dj-database-url's TypedDict: our backends read keys of their
# own (CONNECT_RETRY_SECONDS).
DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        **dj_database_url.config(
            env="DATABASE_URL",
            default=f"sqlite:///{VAR_DIR / 'board.sqlite3'}",
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, waiting up to this long for a database that is
    # restarting before a request gives up (board/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "board.postgresql"
    DATABASES["default"]["CONNECT_RETRY_SECONDS"] = env_int("DATABASE_CONNECT_RETRY_SECONDS", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same backend, counting commits like board.postgresql (board/dbcommits.py).
    DATABASES["default"]["ENGINE"] = "board.sqlite3"
    # A fresh checkout has no var/ yet (it is not committed).
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite is for one local process: no persistent connections, WAL for
    # a runserver thread and an in-process task touching the file together.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis, with a short local fallback and a circuit breaker while it is
    # unreachable (board/cache.py): no page or API call depends on Redis being up.
    CACHES = {
        "default": {
            "BACKEND": "board.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"RETRY_SECONDS": env_int("BOARD_CACHE_RETRY_SECONDS", 5)},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "memory://localhost/"
# Without a broker, tasks run in-process right after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has finished, and handed back to the
# queue if its worker dies, so a crash repeats work instead of losing it.
# Sending is idempotent (see notifications/delivery.py), so repeating is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection drops, let a task in hand finish (Celery 6 would
# cancel it): cancelling a send between SMTP's acceptance and recording it
# would send that email twice. Its outbox row, not the broker, decides whether
# it is sent again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Room for a slow send plus BOARD_RECORD_SENT_SECONDS of database retries.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
# Longer than any task or retry delay, or Redis would hand an unacked task to
# a second worker while the first is still on it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker is down, give up publishing quickly: the person's action has
# already succeeded and the outbox sweeper sends the email once Redis is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = "UTC"

# --- Email --------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Peer Support Board <board@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
MAIL_DIR = VAR_DIR / "mail"
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
else:
    # No SMTP server: every message is kept as a file under var/mail/, and
    # in debug mode it can be read at /dev/mail/.
    EMAIL_BACKEND = "board.mail.LocalFileBackend"

# --- Auth (django-allauth) -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "requests:mine"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The link in the email confirms by itself: no second click. Safe because the key is an
# HMAC of the address, signed with SECRET_KEY, so only the mailbox that received it can
# confirm; a mail scanner opening it first only proves the same (and is not signed in:
# the sign-in after confirming needs the session that joined).
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
# The same work for a taken address as for a new one (timing tells nothing).
ACCOUNT_FORMS = {"signup": "accounts.signup.SignupForm"}
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# allauth's own rate limits (per IP address, per email address "key", per user),
# answered with templates/429.html; see the README's configuration table.
ACCOUNT_RATE_LIMITS = {
    "signup": os.environ.get("BOARD_RATE_LIMIT_SIGNUP", "5/h/ip"),
    "login": os.environ.get("BOARD_RATE_LIMIT_LOGIN", "20/m/ip"),
    "login_failed": os.environ.get("BOARD_RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "reset_password": os.environ.get("BOARD_RATE_LIMIT_PASSWORD_RESET", "5/h/ip,3/h/key"),
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# Behind a reverse proxy every visitor would share the proxy's address (and so
# its limits): say how many proxies append to X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("BOARD_TRUSTED_PROXY_COUNT", 0)

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves collected, hashed, compressed files from the web process.
# board.storage.StaticStorage is WhiteNoise's manifest storage that still renders
# a page (with an unhashed URL, logged) when the manifest is missing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "board.storage.StaticStorage"
    },
}

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Signed out after this long without a visit: a visit renews the session at
# most once per BOARD_SESSION_RENEW_SECONDS (board.middleware), rather than
# SESSION_SAVE_EVERY_REQUEST's database write on every page view.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_SECONDS", 14 * 24 * 3600)
BOARD_SESSION_RENEW_SECONDS = env_int("BOARD_SESSION_RENEW_SECONDS", 3600)
# django-csp 4: nothing inline, nothing from elsewhere. Styles and scripts are
# static files; user-written Markdown has no images (data: is for the browser's
# own form widgets).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Liveness and readiness probes come over plain HTTP from the machine or
    # the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- The board ------------------------------------------------------------------------
# How much one person may post (see board/ratelimit.py): "5/h" is five an hour,
# "30/10m" thirty in ten minutes; empty means no limit.
BOARD_RATE_LIMITS = {
    "request": os.environ.get("BOARD_RATE_LIMIT_REQUESTS", "5/h"),
    "offer": os.environ.get("BOARD_RATE_LIMIT_OFFERS", "20/h"),
    "message": os.environ.get("BOARD_RATE_LIMIT_MESSAGES", "40/10m"),
    "report": os.environ.get("BOARD_RATE_LIMIT_REPORTS", "10/h"),
}
# New-account safeguards (moderation/rules.py): for this many days a new account
# may make at most this many offers a day (0: no limit); and a helper's first N
# offers wait for a moderator before the asker sees them (0: off).
BOARD_NEW_ACCOUNT_DAYS = env_int("BOARD_NEW_ACCOUNT_DAYS", 7)
BOARD_NEW_ACCOUNT_OFFERS_PER_DAY = env_int("BOARD_NEW_ACCOUNT_OFFERS_PER_DAY", 5)
BOARD_REVIEW_FIRST_OFFERS = env_int("BOARD_REVIEW_FIRST_OFFERS", 0)
# The Retry-After (seconds) sent with a 429 that names no better time.
BOARD_RETRY_AFTER_SECONDS = env_int("BOARD_RETRY_AFTER_SECONDS", 300)
BOARD_PAGE_SIZE = env_int("BOARD_PAGE_SIZE", 20)
# A search is counted up to this many matches, then shown as "more than" it.
BOARD_SEARCH_COUNT_CAP = env_int("BOARD_SEARCH_COUNT_CAP", 1000)
BOARD_CRISIS_URL = os.environ.get("BOARD_CRISIS_URL", "")
# An open request closes after this many days unless the asker renews it...
BOARD_REQUEST_LIFETIME_DAYS = env_int("BOARD_REQUEST_LIFETIME_DAYS", 30)
# ...and they are told this many days before.
BOARD_EXPIRY_WARNING_DAYS = env_int("BOARD_EXPIRY_WARNING_DAYS", 3)
# A request with no offer after this many hours is shown again to helpers, once.
BOARD_UNANSWERED_HOURS = env_int("BOARD_UNANSWERED_HOURS", 24)
# The hour (UTC) the daily digest goes out.
BOARD_DIGEST_HOUR = env_int("BOARD_DIGEST_HOUR", 8)
# First retry delay for a failed email, doubled on each try (with jitter).
BOARD_RETRY_BASE_SECONDS = env_int("BOARD_RETRY_BASE_SECONDS", 30)
# How often the outbox sweeper runs (beat), and how long a queued row may wait
# before it is queued again. With a broker, often: it also takes back a killed
# worker's emails. Without one (run_scheduler, a process per job) once a minute.
BOARD_SWEEP_SECONDS = env_int("BOARD_SWEEP_SECONDS", 60 if CELERY_TASK_ALWAYS_EAGER else 10)
BOARD_SWEEP_GRACE_SECONDS = env_int("BOARD_SWEEP_GRACE_SECONDS", 60)
# A worker sending an email holds a lease on its row, renewed every quarter of
# it while it works. The sweeper takes a row back only once the lease has
# lapsed and, 40% of a lease later, still has not been renewed: about 20-45 s
# after a worker is killed (at once if it restarts under the same name).
BOARD_LEASE_SECONDS = env_int("BOARD_LEASE_SECONDS", 20)
# Once SMTP has accepted an email, how long recording "sent" is retried while
# the database is away. Keep it, plus a send (EMAIL_TIMEOUT), below
# CELERY_TASK_SOFT_TIME_LIMIT.
BOARD_RECORD_SENT_SECONDS = env_int("BOARD_RECORD_SENT_SECONDS", 45)
# The outbox is "stalled" (readiness fails, warnings are logged, outbox_status
# exits 1) when a due email has waited longer than this.
BOARD_OUTBOX_MAX_AGE_SECONDS = env_int("BOARD_OUTBOX_MAX_AGE_SECONDS", 300)
# How long links in emails (unsubscribe, renew) stay valid.
BOARD_EMAIL_LINK_MAX_AGE_DAYS = env_int("BOARD_EMAIL_LINK_MAX_AGE_DAYS", 60)

# --- The REST API (/api/v1/) -------------------------------------------------------------
# Personal API tokens (django-rest-knox), sent as "Authorization: Token <token>", or the
# browser's session (CSRF enforced). Throttle rates read like DRF's: "60/min", "20/hour".
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "board.api_machinery.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's, with a limit on nesting (a 400, not a RecursionError).
        "board.api_machinery.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "board.api_machinery.AnonReadThrottle",
        "board.api_machinery.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon_read": os.environ.get("BOARD_API_THROTTLE_ANON_READS", "120/min"),
        "write": os.environ.get("BOARD_API_THROTTLE_WRITES", "60/min"),
        # Requests, offers, messages and reports are limited by the services
        # (BOARD_RATE_LIMITS), the same for the API as for the web pages.
    },
    # Behind a proxy, per-IP throttling uses the address it reports (BOARD_TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": env_int("BOARD_TRUSTED_PROXY_COUNT", 0) or None,
    "DEFAULT_PAGINATION_CLASS": "board.api_machinery.CursorPagination",
    "PAGE_SIZE": BOARD_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    # drf-standardized-errors' shape; its handler class is board.api_errors' (below).
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
}
# Tokens are stored hashed (SHA-512), named, and last until their owner revokes them.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name, not a secret)
# Our ApiToken replaces knox's own token model, so knox's migrations (which
# would still create an unused knox_authtoken table pointing at users, and so
# stop the test database being emptied) are not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": None, "AUTO_REFRESH": False, "AUTH_HEADER_PREFIX": "Token"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Peer Support Board API",
    "DESCRIPTION": (
        "Everything a person can do on the board: ask for help (by name or anonymously), "
        "offer help, talk privately, and manage notifications. Objects are addressed by the "
        "same opaque ids as the web pages. An anonymous request's author is null for everyone "
        "but its author, and no response ever carries another person's email address.\n\n"
        "Authenticate with a personal API token (create one on your settings page) sent as "
        "`Authorization: Token <token>`, or with the browser session (send the CSRF token). "
        "Lists are cursor-paginated: follow `next`. Every error has one shape: "
        '`{"type": ..., "errors": [{"code", "detail", "attr"}]}`, where `attr` names the '
        "field a validation error is about."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        **{
            name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
            for name in [
                "ValidationErrorEnum",
                "ClientErrorEnum",
                "ServerErrorEnum",
                *(f"ErrorCode{code}Enum" for code in (401, 403, 404, 405, 406, 415, 429, 500)),
            ]
        },
        "RequestStatusEnum": "requests.serializers.REQUEST_STATUSES",
        "OfferStatusEnum": "requests.serializers.OFFER_STATUSES",
        "ResponseKindEnum": "requests.serializers.RESPONSE_KINDS",
        "DeliveryEnum": "notifications.kinds.Delivery.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}
DRF_STANDARDIZED_ERRORS = {
    # Two additions (board/api_errors.py): a service's refusal is a 409, a
    # database that can't be reached a 503 rather than a 500.
    "EXCEPTION_HANDLER_CLASS": "board.api_errors.BoardExceptionHandler",
    # 409: a rule of the board said no (board.errors.Refusal), e.g. offering twice.
    "ALLOWED_ERROR_STATUS_CODES": [
        *("400", "401", "403", "404", "405", "406", "409", "415", "429", "500", "503")
    ],
    "ERROR_SCHEMAS": {
        "400": "board.api_machinery.ErrorResponse400Serializer",
        "409": "board.api_machinery.ErrorResponse409Serializer",
        "503": "board.api_errors.ErrorResponse503Serializer",
    },
}
# --- End of the REST API block -------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The periodic jobs, by the names `manage.py run_job <name>` takes. Beat runs them
# in production; on the embedded default (no broker) `manage.py run_scheduler`,
# which `make run` starts beside the web server, runs the same list (board/scheduler.py).
# The outbox's tasks (notifications/tasks.py) keep their "board.tasks.*" names, so
# that tasks queued before they moved still run.
CELERY_BEAT_SCHEDULE = {
    # Re-queues emails a lost task or a broker outage left behind.
    "sweep": {"task": "board.tasks.sweep_outbox", "schedule": float(BOARD_SWEEP_SECONDS)},
    "digests": {
        "task": "board.tasks.send_digests",
        "schedule": crontab(minute=0, hour=BOARD_DIGEST_HOUR),
    },
    "resurface": {"task": "requests.tasks.resurface_unanswered", "schedule": 900.0},
    # Expiry warnings and closing: a request past its time closes within a minute
    # (a cheap query on open requests).
    "expiry": {"task": "requests.tasks.expire_requests", "schedule": 60.0},
    # The public figures ("asking is normal here"), computed and cached hourly;
    # pages never count live. Then the one-time gentle note to frequent helpers.
    "figures": {"task": "stories.tasks.compute_figures", "schedule": 3600.0},
    "gentle_notes": {"task": "stories.tasks.send_gentle_notes", "schedule": 3600.0},
}
# A public figure is shown only when it rests on at least this many people (never below 10).
BOARD_FIGURES_MIN_PEOPLE = max(10, env_int("BOARD_FIGURES_MIN_PEOPLE", 10))
# A helper whose help was accepted on this many resolved requests gets, once, the
# gentle note that they can ask too (unless they turned it off).
BOARD_GENTLE_NOTE_AFTER = env_int("BOARD_GENTLE_NOTE_AFTER", 3)
