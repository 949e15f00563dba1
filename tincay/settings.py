"""Tin Cậy settings: one file, every deployment choice read from the environment.

Typed helpers below read variables; `NAME_FILE` may stand in for any secret `NAME`
(systemd credentials, Docker/Kubernetes secrets). With DEBUG off (the default) the
process refuses to start without a secret key.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TINCAY_VAR_DIR", BASE_DIR / "var"))

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. For local development set DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "ninja",  # serves the OpenAPI page's Swagger UI from our own static files, not a CDN
    "vntext",
    "core",
    "documents",
    "reporting",
    "misinfo",
    "listening",
    "situation",
    "outreach",
    "roster",
    "portal",
    "api",
]

MIDDLEWARE = [
    "core.middleware.MetricsMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",  # the database down: 503, not 500
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RequestContextMiddleware",
    "api.middleware.ApiErrorsMiddleware",  # the API's errors in JSON, in Vietnamese
    # Axes must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tincay.urls"
WSGI_APPLICATION = "tincay.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.tincay",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# The embedded default is SQLite in WAL mode under var/; DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_secret("DATABASE_URL")  # or DATABASE_URL_FILE: the password is a secret
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'tincay.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE avoids "database is locked" upgrades when the worker and the web write at once.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
# A kept connection (DB_CONN_MAX_AGE) is checked before a request uses it: after a database restart
# the first request reconnects instead of failing (core.middleware.DatabaseUnavailableMiddleware
# answers 503 to those that meet the database down).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------
REDIS_URL = env_secret("REDIS_URL")
if REDIS_URL:
    # Fails open (core.cache): with Redis down, pages are served without the cache, not as errors.
    _REDIS_OPTIONS = {"socket_connect_timeout": env_int("REDIS_TIMEOUT_SECONDS", 1),
                      "socket_timeout": env_int("REDIS_TIMEOUT_SECONDS", 1)}  # fmt: skip
    CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": REDIS_URL, "OPTIONS": _REDIS_OPTIONS}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The public portal's pages and their content version (portal.cache): shared by every web process
# (files under var/ on one machine, Redis when there is one), and apart from the default cache so
# that no flood of pages can push out anything else (the report form's limits).
CACHES["portal"] = (
    {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
        "OPTIONS": _REDIS_OPTIONS,
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "portal"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
)

# --- Tasks --------------------------------------------------------------------------------
# "database" (django-tasks-db, default; `manage.py db_worker` runs them), "rq" (Redis Queue on
# REDIS_URL, for several machines; `manage.py rqworker --job-class django_tasks_rq.backend.Job
# --with-scheduler default` runs them) or "immediate" (runs in the request; for scripts).
TASK_BACKEND = env_str("TASK_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASK_BACKEND={TASK_BACKEND!r}: expected one of {sorted(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND], "QUEUES": ["default"]}}
if TASK_BACKEND == "rq":
    RQ_URL = env_secret("RQ_URL") or REDIS_URL
    if not RQ_URL:
        raise ImproperlyConfigured("TASK_BACKEND=rq needs REDIS_URL (or RQ_URL): the queue lives in Redis.")
    INSTALLED_APPS += ["django_rq", "django_tasks"]
    # Finished tasks' results are kept a day (for /healthz and the pages that show a task's state).
    RQ_QUEUES = {"default": {"URL": RQ_URL, "DEFAULT_RESULT_TTL": 86400}}
# Database queue: a task still RUNNING this long was abandoned by a worker that died; the worker's
# heartbeat task queues it again, at most TASK_MAX_ATTEMPTS runs in all (core.tasks).
# /healthz says "degraded" when the uploads' or the var folder's disk has less free space than this.
HEALTH_DISK_MIN_FREE_MB = env_int("HEALTH_DISK_MIN_FREE_MB", 1024)
TASK_ABANDONED_SECONDS = env_int("TASK_ABANDONED_SECONDS", 1800)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 3)

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "core.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.backends.PersonBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout: after AXES_FAILURE_LIMIT failed attempts on one account, it is locked for the
# cool-off time. Failed TOTP codes count as failed attempts too (core.views.VerifyView).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Locking per account (not per address) is deliberate: rotating addresses, agents or cookies
# does not help an attacker against one account. Axes warns about it; we mean it.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
# TOTP two-factor: available to every staff member; OTP_REQUIRED=1 makes it mandatory.
OTP_REQUIRED = env_bool("OTP_REQUIRED", False)
# ... and mandatory for these roles (core.roles.Role values, comma-separated; empty: none) — issue
# 10: leaders approve verdicts, bulletins and messages in the Department's name, inspectors see
# who reported a tip, and administrators, who change everyone's role and password (and may use
# the Django admin), are the most valuable account to take over: a password alone is not enough.
# The demo and the browser tests set it empty (Makefile DEMO_ENV, scripts/demo_server.py).
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "leader,inspector,admin")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Tin Cậy")
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10) * 3600

# --- HTTPS and security headers -----------------------------------------------------------
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Django 6's built-in Content-Security-Policy: no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Shown as dd/mm/yyyy HH:MM in both languages (the Vietnamese convention).
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FORMAT_MODULE_PATH = ["tincay.formats"]

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Email --------------------------------------------------------------------------------
# Django 6.1 mailers. With EMAIL_HOST set, mail goes over SMTP; without, each message is written
# as a file under var/mail/ so that a demo or a closed network can still inspect it.
if env_str("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_secret("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tin Cậy <no-reply@tincay.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Libraries that log every step at INFO (WeasyPrint: ten lines per PDF).
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Tin Cậy ------------------------------------------------------------------------------
TINCAY_ORG_NAME = env_str("TINCAY_ORG_NAME", "Sở Thông tin và Truyền thông")

# --- Misinformation desk ------------------------------------------------------------------
# Key that encrypts who reported a tip (Fernet, 32 url-safe base64 bytes:
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
# Without one, a key derived from SECRET_KEY is used. Old keys stay readable during a rotation.
MISINFO_KEY = env_secret("MISINFO_KEY")
MISINFO_OLD_KEYS = env_list("MISINFO_OLD_KEYS")
# Claim matching (vntext.matching, scores 0..1): at or above AUTO_LINK a tip joins the claim by
# itself; between SUGGEST and AUTO_LINK the inspector is shown the claim to confirm.
MISINFO_AUTO_LINK = env_int("MISINFO_AUTO_LINK_PERCENT", 55) / 100
MISINFO_SUGGEST = env_int("MISINFO_SUGGEST_PERCENT", 40) / 100
# The public report form: at most this many tips per client address per hour.
PUBLIC_TIPS_PER_HOUR = env_int("PUBLIC_TIPS_PER_HOUR", 10)
# The desk's mailbox, read by `manage.py fetch_tip_mail` and the scheduler:
# imaps://user:password@host/INBOX (the password may come from MISINFO_IMAP_URL_FILE).
MISINFO_IMAP_URL = env_secret("MISINFO_IMAP_URL")

# --- Social listening ---------------------------------------------------------------------
# News feeds: how long one reading may take (seconds) and how large a feed may be (bytes).
LISTENING_FEED_TIMEOUT = env_int("LISTENING_FEED_TIMEOUT", 20)
LISTENING_FEED_MAX_BYTES = env_int("LISTENING_FEED_MAX_BYTES", 5 * 2**20)
# Feeds on the province's own network (an intranet news site): allow private addresses.
LISTENING_FEED_ALLOW_PRIVATE = env_bool("LISTENING_FEED_ALLOW_PRIVATE", False)
# `make demo`: the demo listening tool pushes a few posts a minute and new counts of recent ones.
LISTENING_DEMO_FEED = env_bool("LISTENING_DEMO_FEED", False)
# --- Daily situation and bulletin -------------------------------------------------------------
# When the day's draft bulletin is composed and the focal points are reminded (local time, HH:MM).
SITUATION_DRAFT_TIME = env_str("SITUATION_DRAFT_TIME", "16:00")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", SITUATION_DRAFT_TIME):
    raise ImproperlyConfigured(f"SITUATION_DRAFT_TIME must be HH:MM (24 h), not {SITUATION_DRAFT_TIME!r}")
# The bulletin's symbol before the Department's: "Số: 123/BT-STTTT".
SITUATION_BULLETIN_SYMBOL = env_str("SITUATION_BULLETIN_SYMBOL", "BT")
# Outreach: the price of one SMS part (VND) for the composer's cost estimate.
OUTREACH_SMS_PART_PRICE = env_int("OUTREACH_SMS_PART_PRICE", 250)
# The brandname SMS go out under, and the gateway: OUTREACH_GATEWAY_URL (or its older name
# OUTREACH_SMPP_URL; either may come from a _FILE):
# smpp://system_id:password@host:port for an SMSC over SMPP 3.4 (`make demo` runs the test SMSC on
# port 2775), or http(s)://:token@host/path for an HTTP SMS API (outreach.gateways.http; the token is
# the URL's password, or a "token" key beside "url"; a "batch" key sets the parts per request, 100).
# `python -m outreach.httpsms --port 2776` is a test HTTP gateway: http://:secret@127.0.0.1:2776.
OUTREACH_SMS_SENDER = env_str("OUTREACH_SMS_SENDER", "STTTT KG")
OUTREACH_GATEWAYS = {
    "default": {
        "url": env_secret("OUTREACH_GATEWAY_URL")
        or env_secret("OUTREACH_SMPP_URL", "smpp://tincay:secret@127.0.0.1:2775"),
        "window": env_int("OUTREACH_SMPP_WINDOW", 10),
        "parts_per_second": env_int("OUTREACH_SMPP_PARTS_PER_SECOND", 100),
    }
}
# The public portal: how long a rendered page is served from the cache at most (it is replaced at
# once when a verdict, a bulletin, a key message or a hotline changes); 0 turns the cache off.
PORTAL_PAGE_SECONDS = env_int("PORTAL_PAGE_SECONDS", 300)
# Behind nginx (deploy/nginx/tincay-proxy.conf): how long nginx may serve a portal page without
# asking again (`X-Accel-Expires`; then it asks with the ETag and mostly gets 304). A published
# verdict is on the portal within this many seconds; 0: nginx keeps nothing.
PORTAL_PROXY_SECONDS = env_int("PORTAL_PROXY_SECONDS", 5)
# Duty rosters: how long the solver may look for a better rotation (it stops earlier when it proves
# the best; an impossible roster's explanation has as long again).
ROSTER_SOLVE_SECONDS = env_int("ROSTER_SOLVE_SECONDS", 8)
# Requests to the carriers: the division in the letters' symbol ("Số: 12/STTTT-BCVT").
OUTREACH_CARRIER_DIVISION = env_str("OUTREACH_CARRIER_DIVISION", "BCVT")
# Delivery of an issued bulletin: tries per recipient before it shows as failed (resend by hand).
SITUATION_DELIVERY_TRIES = env_int("SITUATION_DELIVERY_TRIES", 3)
# Evidence files (screenshots, saved pages, PDF): at most this size each.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 20) * 2**20
