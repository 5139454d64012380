"""Settings for HMS, read from the environment only.

The defaults are the embedded mode (one LAN box: SQLite, in-memory channel layer, local-memory
cache, SQLite Huey, private files under var/). DATABASE_URL, REDIS_URL and AWS_STORAGE_BUCKET_NAME
each switch one part to its production service; DJANGO_ENV=production switches on the deploy
hardening and refuses to start without a real SECRET_KEY and ALLOWED_HOSTS.
"""

import ipaddress
import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from botocore.config import Config as BotoConfig
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

from hms import logs, static_files

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HMS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "embedded").strip().lower()
if DJANGO_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'embedded' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or env_bool("HMS_TESTING")

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# --- secrets and hosts -------------------------------------------------------------------------

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if PRODUCTION:
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs DJANGO_SECRET_KEY: at least 50 random characters."
        )
elif not SECRET_KEY:
    # The embedded box keeps one generated key in var/, so sessions survive a restart.
    key_file = VAR_DIR / "secret_key"
    if TESTING:
        SECRET_KEY = "test-" + "x" * 60
    elif key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(64)
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs DJANGO_ALLOWED_HOSTS: the host names this hospital serves."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Behind nginx/caddy (which overwrite X-Forwarded-For with the client's address) the audit log
# takes the client's IP from that header; never set this without such a proxy in front.
HMS_TRUST_X_FORWARDED_FOR = env_bool("HMS_TRUST_X_FORWARDED_FOR")

# --- applications ------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "csp",
    # The JSON API (/api/v1/): REST framework, JWT tokens with a list of revoked ones, and the
    # OpenAPI schema with its interactive page served from the box (sidecar: no CDN on the LAN).
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# Our own apps, in dependency order (seed_demo loads their demo records in this order too).
PROJECT_APPS = [
    "hms",
    "accounts",
    "billing",
    "clinical",
    "wards",
    "lab",
    "engineering",
    "pharmacy",
    "hr",
    "messaging",
    "queues",
    "reports",
]
INSTALLED_APPS += PROJECT_APPS

MIDDLEWARE = [
    # Requests counted and timed from before the first middleware (django-prometheus) ...
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # ... and each given its request id, which every log line of it carries (hms.logs).
    "hms.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, its device read by a prepared query.
    "accounts.middleware.VerifiedDeviceMiddleware",
    "hms.middleware.ResolvedUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hms.middleware.RefuseNulBytesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, its header built once per process (hms.middleware).
    "hms.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hms.middleware.IdleLogoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "hms.middleware.PrivatePageHeadersMiddleware",
    "hms.middleware.DeniedAccessAuditMiddleware",
    "hms.middleware.DuplicateSubmissionMiddleware",
    # Latency and responses per view and status (django-prometheus, method label bounded).
    "hms.monitoring.PrometheusMiddleware",
]

ROOT_URLCONF = "hms.urls"
WSGI_APPLICATION = "hms.wsgi.application"
ASGI_APPLICATION = "hms.asgi.application"

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
                "csp.context_processors.nonce",
                "hms.context_processors.hospital",
                "messaging.context_processors.notifications",
            ],
            # {% submission_field %} in every form that changes money or a record.
            # {% if user|can:"patients.register" %}: templates ask hms.rbac, never role names.
            # {{ invoice.total|money }} "KES 40,250.00", {{ patient.phone|phone }} "0712 100 003".
            # {{ form|crispy }}, {{ form.field|as_crispy_field }}: crispy's HTML without its
            # templates (hms/templatetags/form_fields.py); a {% load crispy_forms_tags %} would
            # bring crispy's filters back.
            "builtins": [
                "hms.templatetags.submissions",
                "hms.templatetags.rbac_tags",
                "hms.templatetags.display",
                "hms.templatetags.form_fields",
            ],
        },
    }
]

# --- database ----------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Seconds a connection is kept for the next request. 0 (the default): none, since under
    # ASGI (the websockets, the embedded server) a request may run on another thread and a
    # connection kept per thread would leak. The WSGI workers (gunicorn: deploy/) set 60: each
    # page then skips opening a PostgreSQL connection (docs/BENCHMARKS.md, throughput).
    _CONN_MAX_AGE = os.environ.get("HMS_DB_CONN_MAX_AGE", "0")
    if not _CONN_MAX_AGE.isdigit():
        raise ImproperlyConfigured("HMS_DB_CONN_MAX_AGE must be a number of seconds (0: none).")
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(_CONN_MAX_AGE))}
    # Django's own backend, wrapped by django-prometheus to count queries, errors and connections
    # (django_db_execute_total, ...): no query of its own, only counters in this process.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
    # A kept connection is checked before reuse, so a restarted database costs no failed page.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = int(_CONN_MAX_AGE) > 0
    # PostgreSQL binds each query's values itself (server-side binding), so a query run again on
    # a kept connection is parsed and planned once: psycopg prepares it from its
    # HMS_DB_PREPARE_THRESHOLD-th run (5; "off": never, for a pooler in transaction mode, such
    # as PgBouncer's, that cannot keep them). Planning was most of the database's time per query
    # (docs/BENCHMARKS.md, session 22); Django disables it unless asked.
    _PREPARE_THRESHOLD = os.environ.get("HMS_DB_PREPARE_THRESHOLD", "5")
    if not (_PREPARE_THRESHOLD.isdigit() or _PREPARE_THRESHOLD == "off"):
        raise ImproperlyConfigured('HMS_DB_PREPARE_THRESHOLD must be a number of runs, or "off".')
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=None if _PREPARE_THRESHOLD == "off" else int(_PREPARE_THRESHOLD),
    )
    # One test database per process, so two test runs against one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend with django-prometheus' query counters (as PostgreSQL).
            "ENGINE": "django_prometheus.db.backends.sqlite3",
            "NAME": os.environ.get("HMS_SQLITE_PATH", str(VAR_DIR / "hms.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so read-then-write services serialize
                # instead of failing with "database is locked" halfway through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory: the browser tests' server thread shares it with the test.
            # One per process, so two test runs on one machine never share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-hms-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis: cache, channel layer, huey ---------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# Test runs sharing one Redis (two developers, a browser-test server) must not hear each other.
REDIS_PREFIX = f"hms-test-{os.getpid()}" if TESTING else "hms"
if REDIS_URL:
    # django-redis rather than Django's own Redis cache: with Redis stopped, a cache read is a
    # miss and a write is skipped (IGNORE_EXCEPTIONS, logged), so sign-in, pages and actions go on
    # (docs/DEPLOYMENT.md, failure drills); Django's backend raises and every page answers 500.
    CACHES = {
        "default": {
            "BACKEND": "hms.redis_cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                # A Redis that does not answer costs a page one second at most, not a hang.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "hms.cache"
    # Sessions are read from Redis and written to both: every signed-in request skips a query,
    # and a restarted Redis loses no one's session (the database still holds it).
    SESSION_ENGINE = "hms.sessions.cached_db"
    # Pub/sub: a group message crosses Redis once per server process, which then hands it to
    # its local sockets; the list-based layer pays one Redis round trip per socket (measured in
    # docs/BENCHMARKS.md). Delivery is at most once, which suits events that are only hints.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "hms",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Django's database sessions, each request's read by a query compiled once (hms/sessions/).
    SESSION_ENGINE = "hms.sessions.db"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "hms",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
if TESTING:
    # Tasks run inline in tests so a test sees their effect; the consumer is exercised apart.
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "hms-test", "immediate": True}

# Covering indexes (INCLUDE columns: billing's open invoices and the dashboard's money per day)
# are PostgreSQL's; SQLite builds the same indexes without the extra columns, which is all the
# embedded mode needs, so its warning says nothing to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- audit checkpoints ---------------------------------------------------------------------------
# The audit chain's daily checkpoint (hms.audit): the latest entry's id and hash, signed with a
# key the database does not hold, appended to a file beside the backups. In production the key
# comes from HMS_AUDIT_CHECKPOINT_KEY or a file named by HMS_AUDIT_CHECKPOINT_KEY_FILE (never
# generated: a missing key is an error); the embedded box generates one in var/ on first use.
HMS_AUDIT_CHECKPOINT_KEY = os.environ.get("HMS_AUDIT_CHECKPOINT_KEY", "")
HMS_AUDIT_CHECKPOINT_KEY_FILE = Path(
    os.environ.get("HMS_AUDIT_CHECKPOINT_KEY_FILE", VAR_DIR / "audit-checkpoint.key")
)
HMS_AUDIT_CHECKPOINT_KEY_GENERATE = not PRODUCTION
HMS_AUDIT_CHECKPOINTS = Path(
    os.environ.get(
        "HMS_AUDIT_CHECKPOINTS",
        Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups")) / "audit-checkpoints.jsonl",
    )
)

# --- files -------------------------------------------------------------------------------------

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
PRIVATE_MEDIA_ROOT = Path(os.environ.get("HMS_PRIVATE_ROOT", VAR_DIR / "private"))
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "client_config": BotoConfig(
                # Signature version 4: AWS accepts no other for new buckets, and the link
                # carries its own lifetime (X-Amz-Expires).
                signature_version="s3v4",
                # A bucket that does not answer is known in seconds, not after botocore's 60 s:
                # the uploader reads "nothing was saved" (hms.files.store) while at the desk.
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
            "file_overwrite": False,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        },
    }
else:
    # No base_url: files are never served directly, only through signed, expiring links.
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
SIGNED_URL_MAX_AGE = int(os.environ.get("HMS_SIGNED_URL_MAX_AGE", "300"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("HMS_STATIC_ROOT", VAR_DIR / "static")) if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
# The LAN box serves its own static files straight from the source folders: no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
# Hashed names and versioned vendor folders are cached for ever, in both modes (hms/static_files.py).
WHITENOISE_IMMUTABLE_FILE_TEST = static_files.immutable_file

# --- authentication ----------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, loading the department with the user (accounts/backends.py).
    "accounts.backends.UserBackend",
    "accounts.backends.EmailOrUsernameBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# A whole hospital LAN shares one IP address. Failed sign-ins are counted per account first
# (5 per 5 minutes, whatever name or address was typed: accounts.adapter), and an attempt refused
# by that limit stops before the per-IP counter, so one person guessing one account never uses up
# the ward's allowance. The per-IP limit (100 failures a minute) only trips when someone sprays
# many accounts from one address. docs/DECISIONS.md states the rule.
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "5/5m/key,100/m/ip",
    "reset_password": "60/m/ip,5/m/key",
}
# A reset asked for an address with no account sends nothing (no sign-up link to offer, and the
# page is the same either way).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

# Second factor: required for these roles, optional for the rest.
OTP_REQUIRED_ROLES = set(env_list("HMS_OTP_REQUIRED_ROLES", "admin,accountant"))
OTP_TOTP_ISSUER = os.environ.get("HMS_HOSPITAL_NAME", "HMS Demo Hospital")
# Wrong codes are throttled by accounts.services.totp_check (a few free tries, then a growing
# wait); django-otp's own throttle would refuse the right code typed right after one typo.
OTP_TOTP_THROTTLE_FACTOR = 0

# Idle logoff: background polls and websocket pings do not count as activity.
IDLE_TIMEOUT_SECONDS = int(os.environ.get("HMS_IDLE_TIMEOUT_SECONDS", str(15 * 60)))
SESSION_COOKIE_AGE = int(os.environ.get("HMS_SESSION_MAX_AGE", str(12 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- e-mail ------------------------------------------------------------------------------------

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hms@localhost")

# --- hospital ----------------------------------------------------------------------------------

HOSPITAL_NAME = os.environ.get("HMS_HOSPITAL_NAME", "HMS Demo Hospital")
HOSPITAL_ADDRESS = os.environ.get("HMS_HOSPITAL_ADDRESS", "1 Hospital Road, Nakuru")
HOSPITAL_TAX_NUMBER = os.environ.get("HMS_HOSPITAL_TAX_NUMBER", "P000000000A")

HMS_CURRENCY = os.environ.get("HMS_CURRENCY", "KES")
# Phone numbers typed without a country code belong to this country (hms/phones.py): stored in
# E.164, shown the local way.
HMS_PHONE_REGION = os.environ.get("HMS_PHONE_REGION", "KE").upper()
# The insurance schemes a patient's cover may name; the first is the default (a member number
# typed with no scheme chosen). SHA (Social Health Authority) replaced NHIF in October 2024.
HMS_INSURANCE_SCHEMES = env_list(
    "HMS_INSURANCE_SCHEMES", "SHA,AAR,Jubilee,Britam,CIC,Madison,Old Mutual,APA"
)
# Which days of a ward stay are charged (wards/accrual.py, docs/DECISIONS.md "Billing"):
#   "nights" (default): every midnight crossed, at least one day (a same-day stay is one day;
#                       the discharge day is not charged);
#   "calendar":         every calendar day touched, admission day and discharge day included.
HMS_WARD_DAY_RULE = os.environ.get("HMS_WARD_DAY_RULE", "nights")
if HMS_WARD_DAY_RULE not in {"calendar", "nights"}:
    raise ImproperlyConfigured("HMS_WARD_DAY_RULE must be 'calendar' or 'nights'.")

# Lab results are verified by a second person (not the one who completed the test). A one-person
# lab sets HMS_LAB_ALLOW_SELF_VERIFY=true to let that person verify their own results.
HMS_LAB_ALLOW_SELF_VERIFY = env_bool("HMS_LAB_ALLOW_SELF_VERIFY")


def env_positive_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1.")
    return int(value)


def env_non_negative_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number (0 or more).")
    return int(value)


# Appointments (docs/DECISIONS.md, "Booking limits"): how far ahead a slot may be booked (desk and
# portal alike), and how many live bookings a patient may hold when booking online for
# themselves: per doctor per day, and in all. The desk is not limited.
# --- backups (hms.backups, manage.py backup / restore, docs/DEPLOYMENT.md) ---------------------
# Where backups go and how many stay: the newest of each of the last BACKUP_KEEP_DAILY days,
# BACKUP_KEEP_WEEKLY ISO weeks and BACKUP_KEEP_MONTHLY months (BACKUP_KEEP=0 keeps every one).
# The names are the ones deploy/backup/backup.sh always read.
HMS_BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# /healthz says "disk: low" (503) below this many MB free where HMS writes (its state folder and
# the backups), before a save or a backup fails for want of room. Off in tests (a CI machine's
# disk is not the hospital's); tests of the check set it.
HMS_DISK_MIN_FREE_MB = int(os.environ.get("HMS_DISK_MIN_FREE_MB", "0" if TESTING else "1024"))
HMS_BACKUP_KEEP_ALL = os.environ.get("BACKUP_KEEP", "").strip() == "0"
HMS_BACKUP_KEEP_DAILY = env_non_negative_int("BACKUP_KEEP_DAILY", 7)
HMS_BACKUP_KEEP_WEEKLY = env_non_negative_int("BACKUP_KEEP_WEEKLY", 4)
HMS_BACKUP_KEEP_MONTHLY = env_non_negative_int("BACKUP_KEEP_MONTHLY", 12)
# The daily backup by the Huey worker, "HH:MM" in the hospital's time zone; "off" when the box
# runs deploy/systemd/hms-backup.timer (or cron) instead.
HMS_BACKUP_AT = os.environ.get("HMS_BACKUP_AT", "02:30").strip().lower() or "02:30"
if HMS_BACKUP_AT != "off" and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", HMS_BACKUP_AT):
    raise ImproperlyConfigured('HMS_BACKUP_AT must be a time "HH:MM" or "off".')
# Encryption with age (https://age-encryption.org): the box holds only the public recipients
# ("age1..." or an SSH public key), here comma-separated or one a line in the file; the secret
# key stays off the box and is given to `manage.py restore --identity FILE`. None: unencrypted.
HMS_BACKUP_RECIPIENTS = env_list("HMS_BACKUP_RECIPIENT")
HMS_BACKUP_RECIPIENT_FILE = os.environ.get("HMS_BACKUP_RECIPIENT_FILE", "")
# The offsite copy: an S3 bucket (AWS or any S3-compatible store). Empty: no offsite copy.
# Keys empty: boto3's own chain (instance role, ~/.aws) is used.
HMS_BACKUP_OFFSITE_BUCKET = os.environ.get("HMS_BACKUP_OFFSITE_BUCKET", "")
# A box with no internet says "true" here when someone copies BACKUP_DIR off the box by hand
# (USB disk, another machine): `check --deploy` then stops warning that there is no bucket.
HMS_BACKUP_OFFSITE_BY_HAND = env_bool("HMS_BACKUP_OFFSITE_BY_HAND")
HMS_BACKUP_OFFSITE_PREFIX = os.environ.get("HMS_BACKUP_OFFSITE_PREFIX", "hms-backups/")
HMS_BACKUP_OFFSITE_ENDPOINT_URL = os.environ.get("HMS_BACKUP_OFFSITE_ENDPOINT_URL") or None
HMS_BACKUP_OFFSITE_REGION = os.environ.get("HMS_BACKUP_OFFSITE_REGION") or None
HMS_BACKUP_OFFSITE_ACCESS_KEY_ID = os.environ.get("HMS_BACKUP_OFFSITE_ACCESS_KEY_ID") or None
HMS_BACKUP_OFFSITE_SECRET_ACCESS_KEY = (
    os.environ.get("HMS_BACKUP_OFFSITE_SECRET_ACCESS_KEY") or None
)

HMS_BOOKING_HORIZON_DAYS = env_positive_int("HMS_BOOKING_HORIZON_DAYS", 90)
HMS_PORTAL_MAX_BOOKINGS_PER_DOCTOR_DAY = env_positive_int(
    "HMS_PORTAL_MAX_BOOKINGS_PER_DOCTOR_DAY", 1
)
HMS_PORTAL_MAX_LIVE_BOOKINGS = env_positive_int("HMS_PORTAL_MAX_LIVE_BOOKINGS", 3)

# Merging duplicate patients (docs/DECISIONS.md, "Merging duplicate patients"): how many days a
# merge may be undone, restoring exactly what moved; after that the un-merge is refused.
HMS_PATIENT_UNMERGE_DAYS = env_positive_int("HMS_PATIENT_UNMERGE_DAYS", 30)

# The queue (docs/DECISIONS.md, "Queue"): where a checked-in appointment's ticket is issued:
# "doctor" (the doctor's own room, else the general consultation queue) or "triage" (every
# arrival is seen at triage first and sent on to the doctor from there).
HMS_QUEUE_CHECK_IN_TO = os.environ.get("HMS_QUEUE_CHECK_IN_TO", "doctor").strip() or "doctor"
if HMS_QUEUE_CHECK_IN_TO not in ("doctor", "triage"):
    raise ImproperlyConfigured('HMS_QUEUE_CHECK_IN_TO must be "doctor" or "triage".')

# The consultation fee (docs/DECISIONS.md, "Consultation fee"): posted to the patient's account
# when the appointment is checked in ("check_in": the desk collects before the doctor) or when it
# is booked ("booking"); reversed if the appointment is then cancelled or marked no-show.
HMS_CONSULTATION_FEE_AT = (
    os.environ.get("HMS_CONSULTATION_FEE_AT", "check_in").strip() or "check_in"
)
if HMS_CONSULTATION_FEE_AT not in ("check_in", "booking"):
    raise ImproperlyConfigured('HMS_CONSULTATION_FEE_AT must be "check_in" or "booking".')

# Attendance (hr/services.py): a click within this many hours of an open arrival is its departure,
# even across midnight (a night shift in at 18:30, out at 07:10); a later click leaves that
# arrival flagged "no clock-out" and starts a new one. At most 24: a forgotten clock-out must not
# be closed by the next day's arrival.
HMS_ATTENDANCE_MAX_SHIFT_HOURS = env_positive_int("HMS_ATTENDANCE_MAX_SHIFT_HOURS", 16)
if HMS_ATTENDANCE_MAX_SHIFT_HOURS > 24:
    raise ImproperlyConfigured("HMS_ATTENDANCE_MAX_SHIFT_HOURS must be from 1 to 24 hours.")

# Leave and the roster (hr): the country (ISO 3166 code) and region whose public holidays are not
# working days, the days a leave may start in the past (a sick day recorded on return), and the
# minutes after a rostered start (or before its end) that are not yet late (or an early leave);
# overtime counts only beyond them.
HMS_HOLIDAYS_COUNTRY = os.environ.get("HMS_HOLIDAYS_COUNTRY", "KE").strip().upper() or "KE"
HMS_HOLIDAYS_SUBDIVISION = os.environ.get("HMS_HOLIDAYS_SUBDIVISION", "").strip() or None
HMS_LEAVE_BACKDATE_DAYS = env_non_negative_int("HMS_LEAVE_BACKDATE_DAYS", 7)
HMS_ATTENDANCE_GRACE_MINUTES = env_non_negative_int("HMS_ATTENDANCE_GRACE_MINUTES", 10)

# The inpatient record (docs/DECISIONS.md, "Ward-round and nursing notes"): how many minutes its
# author may correct a note after writing it; after that an addendum is written instead.
HMS_NOTE_EDIT_MINUTES = env_positive_int("HMS_NOTE_EDIT_MINUTES", 15)

# Billing (docs/DECISIONS.md, "Session 33"): the most one entry the desk types may be where
# nothing else bounds it (an advance deposit, a price in the charge master), in the hospital's
# currency, and the most units one charge may be for; more is a slip of the keyboard, refused
# beside the field. Payments, refunds, credit notes and claim figures are bounded by their invoice.
HMS_BILLING_MAX_ENTRY = env_positive_int("HMS_BILLING_MAX_ENTRY", 5_000_000)
HMS_BILLING_MAX_QUANTITY = env_positive_int("HMS_BILLING_MAX_QUANTITY", 1_000)

# Under the tests, every prepared query (hms.prepared) is also compiled the ordinary way and must
# give the same SQL and parameters: the suite holds each one to Django's own.
HMS_PREPARED_CHECK = TESTING

# Pharmacy: batches expiring within this many days are listed on the pharmacists' alerts (the
# daily check, pharmacy.tasks).
HMS_PHARMACY_EXPIRY_WARNING_DAYS = env_non_negative_int("HMS_PHARMACY_EXPIRY_WARNING_DAYS", 90)

# Urgent clinical alerts (critical results, NEWS2) not acknowledged within this many minutes go on
# to a second doctor and the admins (messaging.tasks; docs/DECISIONS.md).
HMS_URGENT_ESCALATION_MINUTES = env_positive_int("HMS_URGENT_ESCALATION_MINUTES", 30)

# The medication administration record (docs/DECISIONS.md, "The medication administration
# record"): when the ward's nursing shifts start (local times, "HH:MM" comma-separated, each shift
# running to the next start, the last one across midnight), and how many minutes after its time a
# dose with nothing recorded is overdue.
HMS_WARD_SHIFT_STARTS = os.environ.get("HMS_WARD_SHIFT_STARTS", "07:00,19:00")
HMS_MAR_OVERDUE_MINUTES = env_positive_int("HMS_MAR_OVERDUE_MINUTES", 60)

LANGUAGE_CODE = "en-gb"
# Dates "30 Nov 2026", times "14:05" in the hospital's zone, typed dates day first (hms/formats).
FORMAT_MODULE_PATH = ["hms.formats"]
TIME_ZONE = os.environ.get("HMS_TIME_ZONE", "Africa/Nairobi")
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Select boxes written out in Python, the rest of a form by Django's templates (hms/form_renderer.py).
FORM_RENDERER = "hms.form_renderer.FormRenderer"

MESSAGE_TAGS = {40: "danger"}

# --- security headers --------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # htmx and Bootstrap set inline styles on elements (indicators, transitions).
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True

# --- monitoring and logs ------------------------------------------------------------------------
# docs/DEPLOYMENT.md, "Monitoring"; docs/DECISIONS.md, "Monitoring (#21)".

# /metrics (Prometheus) answers requests carrying "Authorization: Bearer <HMS_METRICS_TOKEN>"
# (when set) and requests from these addresses or networks (the client's address as the audit log
# takes it); anyone else gets 403.
HMS_METRICS_TOKEN = os.environ.get("HMS_METRICS_TOKEN", "").strip()
if HMS_METRICS_TOKEN and len(HMS_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("HMS_METRICS_TOKEN must be at least 32 random characters.")
try:
    HMS_METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(item, strict=False)
        for item in env_list("HMS_METRICS_ALLOWED_IPS", "127.0.0.1,::1")
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"HMS_METRICS_ALLOWED_IPS: {error}") from error

# The JSON API (hms.api, each app's api.py). Tokens only (no session cookie): a mobile app or
# another system holds them, so no CSRF question arises; the schema page also takes the
# administrator's session (GET only).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hms.api.HasCapability"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "hms.api.CursorPage",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "hms.api.problem_details",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per user (per client address before sign-in); the sign-in endpoints have their own,
    # tighter limit. Counted in the cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("HMS_API_RATE_ANON", "60/min"),
        "user": os.environ.get("HMS_API_RATE_USER", "300/min"),
        "token": os.environ.get("HMS_API_RATE_TOKEN", "10/min"),
    },
    "NUM_PROXIES": 1 if PRODUCTION else 0,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": SECRET_KEY,
    # A password change revokes every token issued before it.
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HMS API",
    "DESCRIPTION": "The hospital's JSON API: the same permissions, services and audit as the "
    "screens (docs/API.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["hms.api.HasCapability"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set in the schema (several models have a `status` or a `priority`).
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatus": "clinical.models.AppointmentStatus",
        "TestOrderStatus": "lab.models.OrderStatus",
        "TestPriority": "lab.models.Priority",
        "InvoiceStatus": "billing.models.InvoiceStatus",
        "MachineStatus": "engineering.models.MachineStatus",
        "FaultPriority": "engineering.models.Priority",
    },
    # OpenAPI links (what a response's ids open next: a booking → its reschedule and cancel):
    # for the app's developers, and what schemathesis' stateful test follows.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hms.api.schema_links",
    ],
}

# Production runs several processes (gunicorn's workers, uvicorn's, the Huey worker): each writes
# its metrics to files in this folder and /metrics adds them up (prometheus_client's multiprocess
# mode). It must be set before prometheus_client is first imported, which is after the settings.
# Default in production: $HMS_VAR_DIR/metrics, for the long-running servers only: a one-off
# command (migrate, a backup's) would leave its files there for every later scrape to read. The
# embedded mode's single process needs none.
_PROGRAM = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
SERVER_PROCESS = bool(
    {_PROGRAM.name, _PROGRAM.parent.name} & {"gunicorn", "uvicorn"} or sys.argv[1:2] == ["run_huey"]
)
if PRODUCTION and not TESTING and SERVER_PROCESS:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics"))
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
# Request latency buckets (seconds): 2 s is the alert's threshold (deploy/prometheus/alerts.yml).
PROMETHEUS_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, float("inf"))

# "json": one JSON object per line (python-json-logger), for journald/docker logs and a log
# shipper; "plain": one readable line. Default: json in production, plain on the embedded box.
HMS_LOG_FORMAT = os.environ.get("HMS_LOG_FORMAT", "json" if PRODUCTION else "plain").strip().lower()
if HMS_LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured('HMS_LOG_FORMAT must be "json" or "plain".')

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries its request's id (hms.logs): the page's, the socket's or the task's.
    "filters": {"request_id": {"()": "hms.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # ISO 8601 in UTC, from the record's own clock.
            "timestamp": "time",
            # Names as written (Wanjirū), not \u escapes: a person reads these lines too.
            "json_ensure_ascii": False,
            "reserved_attrs": [*RESERVED_ATTRS, *logs.NOT_LOGGED],
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": HMS_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("HMS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Huey's consumer adds its own handler; do not print its lines twice.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# A copy of every log line, in the chosen format, to this file as well (CI points it at a file
# and greps it for the demo patients: tests/log_privacy.py). Default: none.
HMS_LOG_FILE = os.environ.get("HMS_LOG_FILE", "")
if HMS_LOG_FILE:
    LOGGING["handlers"]["file"] = {
        "class": "logging.FileHandler",
        "filename": HMS_LOG_FILE,
        "formatter": HMS_LOG_FORMAT,
        "filters": ["request_id"],
    }
    LOGGING["root"]["handlers"].append("file")
    LOGGING["loggers"]["huey"]["handlers"].append("file")
