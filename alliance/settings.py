"""Settings for the Alliance commitment tracker.

Every value comes from the environment. The defaults are safe: `DEBUG` is off unless asked for,
and with `DEBUG` off a missing secret or host list stops the process with the variable's name.
With no `DATABASE_URL` and no broker URL the application runs on embedded components (a SQLite
file and kombu's filesystem transport under `var/`), which is what `make run` uses on a bare
machine.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

from alliance.proxies import trusted_proxies

# Lets generic classes such as ModelAdmin[Model] be subscripted at run time, as the type hints do.
django_stubs_ext.monkeypatch()

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Templates and static assets live inside the package, so that an installed wheel carries them.
PACKAGE_DIR = Path(__file__).resolve().parent
# Where the embedded defaults keep their state (SQLite file, filesystem broker, uploads).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def require(name: str) -> str:
    """Read a variable that production cannot run without; fail loudly, naming it."""
    value = str(env.str(name, default=""))
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (required when DEBUG is off).")
    return value


DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-not-secret-2b0b6f0f1d8a4c7e9a3f5e6d7c8b9a0f1e2d3c4b5a6")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = require("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Set the ALLOWED_HOSTS environment variable (required when DEBUG is off), "
            "e.g. ALLOWED_HOSTS=tracker.example.org"
        )

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "corsheaders",
    "accounts",
    "commitments",
    "reports",
    "public",
    "jobs",
    "webhooks",
    "idempotency",
]

MIDDLEWARE = [
    # First, so that every answer under /api/ carries the CORS headers a dashboard needs to read it
    # (refusals and redirects included), and preflights are answered before anything else.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-csp's, with the policy built once rather than for every response.
    "alliance.middleware.CSPMiddleware",
    "alliance.api.ApiRequestGuardMiddleware",
    # Claims a POST's Idempotency-Key in process_view, after the session and authentication below.
    "idempotency.middleware.IdempotencyMiddleware",
    "alliance.middleware.UploadFileNameMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before CommonMiddleware: the language of the cookie or of Accept-Language
    # (the person's own, kept on their account, is applied once they are known, below).
    "django.middleware.locale.LocaleMiddleware",
    # Django's, with the API's 308 redirect of a write missing its slash, and ETags on HEAD too.
    "alliance.api.CommonMiddleware",
    "alliance.api.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.RefusedAccessLogMiddleware",
    "accounts.middleware.FetchSignInMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------------
# PostgreSQL in production and in the tests; a SQLite file under var/ when nothing is configured.
if env.str("DATABASE_URL", default=""):
    DATABASES: dict[str, dict[str, Any]] = {"default": env.db_url("DATABASE_URL")}
    # Persistent connections: a new PostgreSQL connection per request costs a large share of
    # an endpoint's throughput.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "alliance.sqlite3",
            # The web server, the worker and beat share the file: wait for locks instead of
            # failing, and take the write lock at the start of each transaction.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins before checking
    # Before the model backend: the role grants the secretariat's rights without the two queries
    # of per-user and group permissions (still asked when the role grants nothing).
    "accounts.backends.RoleBackend",
    "accounts.backends.AccountBackend",  # Django's model backend, with the person's member state
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "commitments:home"
LOGOUT_REDIRECT_URL = "accounts:login"
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)
# Used in emails sent without a request at hand (e.g. from a job).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SECRETARIAT_CONTACT_EMAIL = env.str("SECRETARIAT_CONTACT_EMAIL", default="secretariat@example.org")

# API keys end: after API_KEY_DEFAULT_DAYS unless the issuer chooses, never later than
# API_KEY_MAX_DAYS, and a review key (the secretariat's powers) within API_KEY_REVIEW_MAX_DAYS,
# created within API_KEY_SECOND_FACTOR_WINDOW seconds of a code from the owner's authenticator.
API_KEY_DEFAULT_DAYS = env.int("API_KEY_DEFAULT_DAYS", default=90)
API_KEY_MAX_DAYS = env.int("API_KEY_MAX_DAYS", default=365)
API_KEY_REVIEW_MAX_DAYS = env.int("API_KEY_REVIEW_MAX_DAYS", default=30)
API_KEY_SECOND_FACTOR_WINDOW = env.int("API_KEY_SECOND_FACTOR_WINDOW", default=300)

# Lockout (django-axes): by email and the client's real address together (see TRUSTED_PROXIES),
# reset by a correct password, so that an attacker elsewhere cannot lock the owner out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (it holds the email address)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "alliance.proxies.client_ip"
# Password spraying: failed sign-ins from one address across accounts, within the lockout's
# cool-off, after which that address is refused for every account until the cool-off ends.
SIGN_IN_ADDRESS_FAILURE_LIMIT = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=20)

# Second factor (django-otp): TOTP for authenticator apps, static tokens as recovery codes.
OTP_TOTP_ISSUER = "Alliance tracker"

# Sessions: a new id at sign-in and after the second factor; idle and absolute timeouts.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The languages the tracker speaks, each named in itself (for the chooser). A person's choice is
# kept on their account and in the language cookie; before any choice, the browser's
# Accept-Language decides (django.middleware.locale.LocaleMiddleware).
LANGUAGES = [("en-gb", "English"), ("fr", "Français"), ("es", "Español")]
# Compiled by `make` (bin/compile-messages) and in the image's build stage; the .mo files are not in git.
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Uploaded evidence: never served as static media, only through the permission-checked view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# Office files are zip archives; checking one may unpack no more than this, so that a small upload
# (a zip bomb) cannot take the web process's memory or time (commitments/uploads.py). Real documents
# stay far below each limit: tens to hundreds of parts, under 30 to 1 (a blank form about 290 to 1),
# while deflate bombs reach 1000 to 1.
EVIDENCE_ZIP_MAX_ENTRIES = env.int("EVIDENCE_ZIP_MAX_ENTRIES", default=10_000)
EVIDENCE_ZIP_MAX_EXPANDED_BYTES = env.int("EVIDENCE_ZIP_MAX_EXPANDED_BYTES", default=200 * 1024 * 1024)
EVIDENCE_ZIP_MAX_RATIO = env.int("EVIDENCE_ZIP_MAX_RATIO", default=500)
# Spreadsheets filled offline and uploaded (a report's updates, pledges in bulk): their size, and the
# rows read before the file is refused as not one the tracker made (a country has tens of pledges).
SPREADSHEET_MAX_BYTES = env.int("SPREADSHEET_MAX_BYTES", default=2 * 1024 * 1024)
SPREADSHEET_MAX_ROWS = env.int("SPREADSHEET_MAX_ROWS", default=2_000)
# Bodies above this are refused before they are read (the largest upload plus its form).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compiled reports: each file written under a temporary name and renamed into place.
    "reports": {"BACKEND": "reports.storage.ReportStorage"},
    "staticfiles": {
        # Hashed names from a manifest in production, each file also stored compressed for
        # WhiteNoise unless STATIC_COMPRESS is off (the tests: compressing costs half a minute).
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_COMPRESS", default=True)
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}
# Several hosts share uploads and reports through one volume mounted at MEDIA_ROOT, or through
# S3-compatible object storage when a bucket is named (the `s3` extra, django-storages). The
# credentials are read by boto3 itself from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the
# host's role), never from these settings.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _s3_options = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "location": env.str("AWS_LOCATION", default=""),
        "default_acl": None,  # private objects: files are only served through the permission checks
        "querystring_auth": True,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _s3_options | {"file_overwrite": False},
    }
    # An object is written whole by one PUT, so the reports need no temporary name; a recompile
    # replaces its own files, as ReportStorage does on disk.
    STORAGES["reports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": _s3_options | {"file_overwrite": True},
    }

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis is a cache, not the record: unreachable, it answers misses and the site goes on
            # from PostgreSQL (see alliance/cache.py).
            "BACKEND": "alliance.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            # Deployments (or test runs) sharing one Redis keep their entries apart.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
            "OPTIONS": {
                # What an unreachable Redis may cost a request (redis-py waits 5 s by default): a
                # stopped one refuses at once, a hung one is given up after these many seconds...
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.25),
                "socket_timeout": env.float("REDIS_TIMEOUT", default=0.5),
                # ...and then left alone for this many seconds by each process before it tries again.
                "retry_seconds": env.float("REDIS_RETRY_SECONDS", default=5),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache (and written to the database as well) when the cache is shared
# by every process: that saves each signed-in request a query. A memory cache of one process could
# keep a session that another process ended, so without Redis they are read from the database.
# While Redis is unreachable every read is a miss, so sessions come from the database; a copy Redis
# missed a change of (a sign-out, say) is deleted from it when it is back (alliance/cache.py).
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if REDIS_URL else 'db'}"

# API answers (member status, commitments) and the reporting pages' data (contact home, review
# queue, completeness) cached under the data version every write bumps; off, they are computed for
# every request (the API's ETag and 304 answers still come from the version).
ANSWER_CACHE = env.bool("ANSWER_CACHE", default=True)
ANSWER_CACHE_SECONDS = env.int("ANSWER_CACHE_SECONDS", default=3600)

# --- Celery ---------------------------------------------------------------------------------
# Redis when configured; otherwise kombu's filesystem transport, which needs no server, so that
# `make run` starts a real worker and beat on a bare machine.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://localhost//"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Longer than the longest task (REPORT_COMPILE_TIME_LIMIT), or a running task is handed to a
    # second worker; a killed worker's unacknowledged task comes back after it.
    # Unacknowledged tasks past that timeout are looked for every CELERY_RESTORE_INTERVAL seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
        # Deployments (or test runs) sharing one Redis keep their broker keys apart: kombu's record
        # of unacknowledged tasks is one per database, so another's worker with a shorter
        # visibility timeout would otherwise hand this one's running tasks to a second worker.
        "global_keyprefix": env.str("CELERY_BROKER_KEY_PREFIX", default=""),
        # Without these, a publish to a Redis that accepts connections but no longer answers waits
        # for ever (kombu's default), and beat or a worker with it.
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2),
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=10),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The outbox (jobs/outbox.py): tasks asked for by writes are kept in PostgreSQL and sent once the
# write commits. A send gives up after OUTBOX_PUBLISH_TIMEOUT seconds (a request waits that long at
# most for a broker that is down); the process then leaves the broker alone for OUTBOX_RETRY_SECONDS
# and the message waits for the relay. Sent messages are kept OUTBOX_KEEP_DAYS days to look into.
OUTBOX_PUBLISH_TIMEOUT = env.float("OUTBOX_PUBLISH_TIMEOUT", default=1.0)
OUTBOX_RETRY_SECONDS = env.float("OUTBOX_RETRY_SECONDS", default=10)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
# A report compile is stopped after this many seconds (and retried, then marked failed).
REPORT_COMPILE_TIME_LIMIT = env.int("REPORT_COMPILE_TIME_LIMIT", default=1800)
# A killed worker's compile must not wait for the visibility timeout (an hour): a running compile
# writes a heartbeat every REPORT_HEARTBEAT_SECONDS, and one whose heartbeat is older than
# REPORT_HEARTBEAT_STALE_SECONDS and whose lock nobody holds is requeued by the recovery job (every
# 15 s in the schedule): noticed within 40 + 15 s. Several beats may be missed before that, so
# that a busy machine or a database hiccup never passes for a dead worker.
REPORT_HEARTBEAT_SECONDS = env.int("REPORT_HEARTBEAT_SECONDS", default=10)
REPORT_HEARTBEAT_STALE_SECONDS = env.int("REPORT_HEARTBEAT_STALE_SECONDS", default=40)
if REPORT_HEARTBEAT_STALE_SECONDS < 2 * REPORT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "REPORT_HEARTBEAT_STALE_SECONDS must be at least twice REPORT_HEARTBEAT_SECONDS, "
        "or a live compile between two heartbeats is taken for a dead one."
    )
# Reminders: this many days before the due date, then every so many days while overdue.
REMINDER_DAYS_BEFORE = env.int("REMINDER_DAYS_BEFORE", default=14)
REMINDER_OVERDUE_EVERY_DAYS = env.int("REMINDER_OVERDUE_EVERY_DAYS", default=7)
REMINDER_OVERDUE_STOP_DAYS = env.int("REMINDER_OVERDUE_STOP_DAYS", default=90)
# Webhooks (webhooks/): an attempt waits WEBHOOK_TIMEOUT seconds at most; a failed one is tried again
# after WEBHOOK_RETRY_BASE_SECONDS, doubling each time, up to WEBHOOK_MAX_ATTEMPTS attempts in all
# (30 s and 6: the last about 16 minutes after the first). Private, loopback and reserved addresses
# are refused, so that an endpoint cannot reach into the hosting network, unless
# WEBHOOK_ALLOW_PRIVATE_TARGETS (on by default only with DEBUG).
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG)
if WEBHOOK_MAX_ATTEMPTS < 1 or WEBHOOK_RETRY_BASE_SECONDS <= 0 or WEBHOOK_TIMEOUT <= 0:
    raise ImproperlyConfigured(
        "WEBHOOK_MAX_ATTEMPTS must be at least 1, WEBHOOK_RETRY_BASE_SECONDS and WEBHOOK_TIMEOUT above 0."
    )

# --- Email ----------------------------------------------------------------------------------
# One URL, e.g. smtp+tls://user:password@mail.example.org:587; the console by default.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
# With EMAIL_URL=filemail:// each message is written to a file in this folder.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Alliance tracker <no-reply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["alliance.api.ApiAccess"],
    "DEFAULT_PAGINATION_CLASS": "alliance.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["alliance.api.FilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["alliance.api.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "alliance.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["alliance.api.AnonymousThrottle", "alliance.api.KeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": env.str("API_THROTTLE_ANONYMOUS", default="300/min"),
        "key": env.str("API_THROTTLE_KEY", default="3000/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Alliance commitment tracker API",
    "DESCRIPTION": (
        "Member status and reporting data of the Global Alliance Against Child Sexual Abuse Online. "
        "Authenticate with `Authorization: Token <key>` (or `Bearer <key>`); anonymous clients see published "
        "data. Errors are problem details (RFC 9457, `application/problem+json`). Labels and error `detail` "
        "messages are in English, French or Spanish: the language of `?lang=en|fr|es`, else of `Accept-Language`, "
        "else the account's; codes and field names stay English."
    ),
    "VERSION": "1.3.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "alliance.api.document_http",
        "idempotency.schema.document_idempotency",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DateBasisEnum": "commitments.models.DateBasis",
        "CommitmentStatusEnum": "commitments.models.Commitment.Status",
        "SubmissionStatusEnum": "commitments.models.Submission.Status",
        "ConfidentialityEnum": "commitments.models.Confidentiality",
        "ReportStatusEnum": "reports.models.CompiledReport.Status",
        "ReportEditionEnum": "reports.models.CompiledReport.Edition",
        "ReportingStateEnum": "commitments.models.ReportingState",
        "TextLanguageEnum": "commitments.models.TextLanguage",
    },
}

# --- API clients: cross-origin dashboards, Idempotency-Key ------------------------------------
# Dashboards on these origins (e.g. https://dashboard.example.org, comma-separated) may call the API
# from the browser; none by default. With API keys, not cookies: no credentials cross origins.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
    "user-agent",
    "x-requested-with",
]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Idempotent-Replayed",
]
# Seconds a browser may keep a preflight's answer: two hours, the most Chromium honours.
CORS_PREFLIGHT_MAX_AGE = 7200
# How long a client's Idempotency-Key and its first answer are kept (idempotency/).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
if IDEMPOTENCY_KEY_HOURS < 1:
    raise ImproperlyConfigured("IDEMPOTENCY_KEY_HOURS must be at least 1.")

# --- Security -------------------------------------------------------------------------------
# Production defaults; each can be relaxed from the environment (e.g. behind a TLS proxy that
# already redirects, or for a local docker-compose run over plain HTTP).
# How many proxies of ours stand in front of the application (0: none). The one setting from which
# X-Forwarded-For and X-Forwarded-Proto are believed: by the client address of the throttles,
# the lockout and the security log (alliance.proxies.client_ip), by Django's HTTPS detection and by
# gunicorn (alliance/gunicorn_conf.py). With 0, both headers are ignored everywhere.
TRUSTED_PROXIES = trusted_proxies()
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# A page's script whose token went stale gets JSON it can act on (see accounts.views.csrf_failure).
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
# No inline script anywhere: scripts come from our own static files only. Inline styles are
# allowed for the administration's templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "accounts.security_log.JsonLineFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "loggers": {
        # Sign-ins, failures, lockouts, second-factor events and refused accesses, one JSON line each.
        "alliance.security": {"handlers": ["security"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # a line per page laid out otherwise
        "fontTools": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Demo data ------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="alliance-demo")
# The demo secretariat accounts' authenticator key (hex); `make run` prints it in base32.
DEMO_TOTP_KEY = env.str("DEMO_TOTP_KEY", default="3132333435363738393031323334353637383930")
