"""LeadFlow settings: the only settings file, fed from the environment.

Every variable is listed with its default and meaning in `.env.example`. Defaults are the
safe production values (DEBUG off, sandbox off); `make run` writes a `.env` that turns on
DEBUG and the provider sandbox for local use. Variables set in the process environment win
over `.env`. A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Plain Python, all: safe to import before Django is set up.
from leadflow.env_values import _bool, _cents_as_micros, _int, _latencies_ms, _openai_prices
from providers.registry import PRICED_UNITS, VENDORS

BASE_DIR = Path(__file__).resolve().parent.parent

# The test suite never reads a developer's `.env`: tests start from the production defaults.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

env = environ.Env()
_env_file = Path(os.environ.get("LEADFLOW_ENV_FILE", BASE_DIR / ".env"))
if _env_file.is_file() and not TESTING:
    # overwrite=False: the process environment wins over the file.
    env.read_env(str(_env_file), overwrite=False)

INSECURE_SECRET_KEY = "insecure-dev-key-change-me"


MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5  # distinct characters: "aaaa…" or "0101…" is not a secret


def _secret_key(debug: bool) -> str:
    """With DEBUG off, a short, repetitive or built-in key is refused: sessions, CSRF tokens
    and password resets are only as strong as it is."""
    key = os.environ.get("SECRET_KEY", "").strip() or INSECURE_SECRET_KEY
    if debug or TESTING:
        return key
    weak = (
        key == INSECURE_SECRET_KEY
        or key.startswith("django-insecure")
        or len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_CHARACTERS
    )
    if weak:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} characters "
            "when DEBUG is off (short, repetitive and built-in development keys are refused). "
            'Make one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return key


DEBUG = _bool("DEBUG", False)
SECRET_KEY = _secret_key(DEBUG)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "leadflow",  # before django_tasks_db: its db_worker adds a heartbeat and recovery
    "django_tasks_db",
    "axes",
    "accounts",
    "billing",
    "leads",
    "providers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the bearer token's, which keeps the permissions it reads with the token.
    "accounts.permissions.PermissionAnswersMiddleware",
    "accounts.auth.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "leadflow.security.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "leadflow.errors.FriendlyErrorMiddleware",
    "leadflow.errors.NotFoundPageMiddleware",
    "leadflow.errors.BadInputMiddleware",
    # Last, so a locked-out login answers 429 whatever the view did.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user or address first
    "accounts.backends.PermissionsModelBackend",  # ModelBackend, permissions read with the user
]

ROOT_URLCONF = "leadflow.urls"
WSGI_APPLICATION = "leadflow.wsgi.application"
# Django's widget templates, with the common widgets built in Python (leadflow.form_rendering).
FORM_RENDERER = "leadflow.form_rendering.FastWidgetRenderer"
ASGI_APPLICATION = "leadflow.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadflow.context_processors.providers",
                "leadflow.context_processors.team",
            ],
        },
    },
]

# --- Database: a SQLite file in WAL mode unless DATABASE_URL says otherwise --------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE: a writer takes the lock at BEGIN, so concurrent spend reservations
            # queue instead of failing with "database is locked" on lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not shared-cache memory, so concurrency tests see real SQLite locking.
    # One file per test run, so two runs on one machine never share a database.
    DATABASES["default"].setdefault(
        "TEST", {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Django's database cache by default, Redis through CACHE_URL -----------------
# The default is shared by every process on the machine (web server, task worker, commands),
# so a search one of them paid for is a free cache hit for the others. `createcachetable`
# (run by scripts/run.sh and the README's steps) makes its table.
CACHE_TABLE = "leadflow_cache"
CACHES = {"default": env.cache_url("CACHE_URL", default=f"dbcache://{CACHE_TABLE}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Culling drops a third of the entries at the limit: keep it well above a day's searches.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)
CACHE_TTL_SECONDS = _int("CACHE_TTL_SECONDS", 900)
# Sessions are written through to the database and read from the cache: with Redis, a page
# no longer reads its session row from the database on every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Query cache (django-cachalot): the read-heavy lead tables only ----------------------
# Never the money tables (the spend guard must read live caps and counters), the task queue
# or job progress. Its invalidations travel through the cache, so it needs one every process
# shares: a process-local cache would let one process serve what another has changed.
# Off by default: bench-load measured it (README, "Query cache").
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith("LocMemCache")
CACHALOT_ENABLED = _bool("CACHALOT_ENABLED", False) and (_SHARED_CACHE or TESTING)
if CACHALOT_ENABLED:
    # Installed only when on: installed, it hooks every write (migrations included) to
    # invalidate through the cache, whose table may not exist yet.
    INSTALLED_APPS.append("cachalot")
# A streamed read (`.iterator()`: the export) would be held whole in memory to be cached.
CACHALOT_CACHE_ITERATORS = False
CACHALOT_TIMEOUT = CACHE_TTL_SECONDS
# Phones and e-mails are read in chunks of a streamed export: cached, every chunk would stay
# in the cache; the pages read them with one small query each anyway.
CACHALOT_ONLY_CACHABLE_TABLES = frozenset({"leads_lead", "leads_donotcall"})
CACHALOT_UNCACHABLE_TABLES = frozenset(
    {
        "django_migrations",
        "billing_spendday",
        "billing_ledgerentry",
        "billing_dailycap",
        "billing_priceoverride",
        "leads_bulktracejob",
        "django_tasks_database_dbtaskresult",
    }
)

# --- Background tasks: Django's Tasks API on a database-backed queue ---------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "").strip() or "django_tasks_db.DatabaseBackend",
    }
}

# --- CSV list imports ---------------------------------------------------------------------
# A file larger than this imports in the background (a task), answering with its progress; a
# smaller one inside the request. Uploads past Django's FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
# stream to a temporary file, never into memory, and a background import's file waits in
# MEDIA_ROOT (shared storage when workers run on other hosts) until the import is done.
IMPORT_INLINE_MAX_BYTES = _int("IMPORT_INLINE_MAX_BYTES", 2 * 1024 * 1024)
IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "").strip() or BASE_DIR / "var" / "media")

# --- Auth ---------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "search"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login and bearer-token throttling (django-axes): a user name or an address with
# AXES_FAILURE_LIMIT failures is locked out, each on its own, for a cool-off that doubles
# with every further failure (accounts.throttle.cool_off); the right password does not get
# in while locked out.
AXES_FAILURE_LIMIT = _int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = "accounts.throttle.lockout_parameters"
AXES_USERNAME_CALLABLE = "accounts.throttle.attempted_username"
AXES_COOLOFF_TIME = "accounts.throttle.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_VERBOSE = False

# --- Locale and time: the spend day is the calendar day in TIME_ZONE --------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "").strip() or "America/Phoenix"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if not DEBUG and not TESTING:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Security ----------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# Features no page of ours uses are switched off for every page and frame.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Serving -------------------------------------------------------------------------------
# gunicorn kills a worker whose request takes longer than this (gunicorn.conf.py reads it);
# every wait inside a request (a trace waiting for another trace of the same lead) stays
# well below it.
WEB_TIMEOUT_SECONDS = _int("WEB_TIMEOUT_SECONDS", 30, minimum=5)

# --- Providers ---------------------------------------------------------------------------
# Sandbox mode wins over keys, so a developer with real keys in the shell never spends.
SANDBOX_PROVIDERS = _bool("SANDBOX_PROVIDERS", False)
ATTOM_API_KEY = os.environ.get("ATTOM_API_KEY", "").strip()
ATTOM_BASE_URL = os.environ.get("ATTOM_BASE_URL", "").strip() or "https://api.gateway.attomdata.com"
BATCHDATA_API_KEY = os.environ.get("BATCHDATA_API_KEY", "").strip()
BATCHDATA_BASE_URL = (
    os.environ.get("BATCHDATA_BASE_URL", "").strip() or "https://api.batchdata.com/api/v1"
)
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "").strip()
TWILIO_API_KEY = os.environ.get("TWILIO_API_KEY", "").strip()
TWILIO_API_SECRET = os.environ.get("TWILIO_API_SECRET", "").strip()
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "").strip()
OPENAI_MODEL = os.environ.get("OPENAI_MODEL", "").strip() or "gpt-4o-mini"
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "").strip() or "https://api.openai.com/v1"

# Daily caps in cents, DAILY_CAP_ATTOM_CENTS and so on for each provider of the registry (the
# env value is the default; an admin edit overrides it at once).
DAILY_CAP_MICROS = {
    vendor.key: _cents_as_micros(vendor.cap_env, vendor.default_cap_cents)
    for vendor in VENDORS.values()
}

# Unit prices in cents (fractions allowed), kept as integer micro-dollars: one setting per
# priced unit of the registry, e.g. ATTOM_PRICE_PER_RECORD_MICROS from *_CENTS.
globals().update(
    {unit.setting: _cents_as_micros(unit.env, unit.default_cents) for unit in PRICED_UNITS.values()}
)
OPENAI_PRICES = _openai_prices(
    "OPENAI_PRICES",
    "gpt-4o-mini=0.15/0.60/0.075,gpt-4.1-mini=0.40/1.60/0.10,"
    "gpt-5-mini=0.25/2.00/0.025,gpt-5-nano=0.05/0.40/0.005",
)
SKIP_TRACE_REUSE_DAYS = _int("SKIP_TRACE_REUSE_DAYS", 90)
# A search of ATTOM that can cost more than this (cents) asks to be confirmed first.
SEARCH_CONFIRM_ABOVE_MICROS = _cents_as_micros("SEARCH_CONFIRM_ABOVE_CENTS", "1000")
# Twilio Lookup requests of one batch in flight at once. Twilio limits an account's concurrent
# REST requests (past it: 429, error 20429, safe to retry) at about 100 by default; a quarter
# leaves room for the account's other traffic and a second job, and still looks up a batch
# of 100 leads (~210 phones at ~150 ms each) within one BatchData request's time.
TWILIO_LOOKUPS_IN_FLIGHT = _int("TWILIO_LOOKUPS_IN_FLIGHT", 25, minimum=1)
# Leads scored in one OpenAI request (the instructions and schema are sent once for them all).
AI_SCORING_BATCH_SIZE = _int("AI_SCORING_BATCH_SIZE", 20, minimum=1)
# How long each sandbox takes to answer, as the real vendor would (benchmarks set e.g.
# attom:400,batch:1500,twilio:150,openai:900). Off by default and always off in tests.
SANDBOX_LATENCY_MS = {} if TESTING else _latencies_ms("SANDBOX_LATENCY_MS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},  # the seam and the OpenAI client log their own calls
        "django.tasks": {"level": "INFO", "propagate": False},  # the worker prints these
    },
}

if TESTING:
    # Fast hashing for the many test logins; never used outside the test suite.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
