"""Timekeep settings.

Every value comes from the environment (or a `.env` file beside manage.py), read here and
nowhere else. Without any variable set, the project runs on the embedded defaults: SQLite,
local-memory cache, eager Celery tasks and media on the local file system. `DJANGO_ENV=production`
turns on the hardened profile and refuses to start without the secrets it needs.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


# An empty variable (`DATABASE_URL=` in .env.example, or in CI) means "not set": use the default.
def env_str(name: str, default: str | None = None) -> str | None:
    return env.str(name, "") or default


def env_bool(name: str, default: bool) -> bool:
    return env.bool(name) if env.str(name, "") else default


def env_int(name: str, default: int) -> int:
    return env.int(name) if env.str(name, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    return env.list(name) if env.str(name, "") else default


def env_rate(name: str, default: str) -> str | None:
    value = env_str(name, default)
    return None if value.lower() in {"off", "none", "0"} else value


def env_limit(name: str, default: str) -> str | None:
    """A django-ratelimit rate (`10/m`, `3/h`, `5/15m`), or off. A malformed one stops the start:
    at run time it would close the endpoint it guards with a 503 for everyone."""
    value = env_rate(name, default)
    if value is not None and not re.fullmatch(r"\d+/\d*[smhd]", value):
        raise ImproperlyConfigured(f"{name} must look like 10/m, 3/h or 5/15m, or be off; got {value!r}.")
    return value


DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

APP_NAME = env_str("APP_NAME", "Timekeep")
APP_VERSION = "0.1.0"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", "")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if len(SECRET_KEY) < 50 or not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ENV=production needs SECRET_KEY (50+ random characters) and ALLOWED_HOSTS.")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# Number of reverse proxies in front of the app that append to X-Forwarded-For. 0 = trust only
# REMOTE_ADDR. Used for rate limits and the audit log's IP address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "config.admin_site.TimekeepAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_ratelimit",
    "django_celery_beat",
    # Timekeep apps, in dependency order (an app imports only from apps before it).
    "audit",
    "outbox",
    "media",
    "accounts",
    "tracking",
    "groups",
    "leave",
    "scheduling",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "config.api.middleware.ApiPathMiddleware",
    "config.api.middleware.ApiErrorMiddleware",
    "config.api.middleware.SecurityHeadersMiddleware",
    "config.admin_headers.AdminContentSecurityPolicyMiddleware",
    # Session, auth and messages serve the admin and the HTML pages; API calls skip them (they
    # authenticate by token, see config/api/middleware.py). CSRF stays: API views are exempt
    # (cookie-authenticated API writes pass the project's own double-submit check), so for them
    # it only looks for a cookie.
    "config.api.middleware.SessionMiddlewareOutsideApi",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.api.middleware.AuthenticationMiddlewareOutsideApi",
    "config.api.middleware.MessageMiddlewareOutsideApi",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.AuditContextMiddleware",
]

if PRODUCTION:
    # Serves collectstatic's output (admin, API docs) from the app server; in development
    # runserver serves static files itself.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --- Database -------------------------------------------------------------------------------
# Seeds wrote SQLAlchemy-style URLs (postgresql+psycopg://...); accept those as they are.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}").replace("+psycopg", "")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL, IMMEDIATE transactions and a busy timeout let threads share the file: writers queue
    # for the lock instead of failing with "database is locked". Tests use a file database for
    # the same reason (an in-memory shared-cache database fails at once under contention).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", str(BASE_DIR / ".test-db.sqlite3"))}
else:
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", None)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that sends no SELECT 1 while the connection is intact.
        DATABASES["default"]["ENGINE"] = "config.postgresql"
    if env_bool("DATABASE_PREPARED_STATEMENTS", True) and DATABASES["default"]["ENGINE"] == "config.postgresql":
        # Parameters travel apart from the SQL, and psycopg prepares a statement once a connection
        # has run it five times (its prepare_threshold): PostgreSQL then skips parsing and planning
        # it, most of a short query's server time. Off behind a pooler in transaction mode that
        # does not keep prepared statements (README, "Configuration").
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache, Redis, Celery -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, with one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "timekeep"),
            # One second per call at most, and after a failure none for CACHE_BREAKER_SECONDS:
            # with Redis down or frozen no request waits more than about a second on the cache.
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                "pool_class": "config.cache_breaker.BreakerConnectionPool",
            },
        }
    }
else:
    if PRODUCTION:
        raise ImproperlyConfigured("REDIS_URL is required when DJANGO_ENV=production.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CACHE_BREAKER_SECONDS = env_int("CACHE_BREAKER_SECONDS", 5)

SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit only lists django-redis as "supported"; Django's own RedisCache has the
    # atomic incr it needs.
    "django_ratelimit.W001",
]
if not REDIS_URL:
    # The local-memory cache is per process: fine for `make run`, never used in production
    # (REDIS_URL is required there).
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# A broker outage must not hold a request: connecting and each socket read or write give up after
# OUTBOX_PUBLISH_TIMEOUT_SECONDS, and a publish is not retried (the outbox sends it again later).
OUTBOX_PUBLISH_TIMEOUT_SECONDS = env_int("OUTBOX_PUBLISH_TIMEOUT_SECONDS", 1)
CELERY_BROKER_CONNECTION_TIMEOUT = OUTBOX_PUBLISH_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": OUTBOX_PUBLISH_TIMEOUT_SECONDS,
    "socket_timeout": OUTBOX_PUBLISH_TIMEOUT_SECONDS,
    "max_retries": 0,  # one connection attempt per publish; the outbox retries
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule lives in code; DatabaseScheduler copies it into the database when beat starts,
# where staff can pause an entry from the admin.
CELERY_BEAT_SCHEDULE = {
    "purge-audit-log": {
        "task": "audit.tasks.purge_audit_log_task",
        "schedule": timedelta(days=1),
    },
}

# Seconds a 503 from /ready (and the health checks) asks callers to wait before trying again.
READY_RETRY_AFTER_SECONDS = env_int("READY_RETRY_AFTER_SECONDS", 5)

# --- Outbox: queued side effects -----------------------------------------------------------
# Tasks a request queues are written to the outbox in its transaction and published once it
# commits; what could not be published then is sent by this job, retried with exponential backoff
# (OUTBOX_RETRY_SECONDS doubling up to OUTBOX_RETRY_MAX_SECONDS) until OUTBOX_MAX_ATTEMPTS.
OUTBOX_DRAIN_SECONDS = env_int("OUTBOX_DRAIN_SECONDS", 30)
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 10)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 30)
# Sent rows are kept this many days (to look into), then deleted by the drain.
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7)
CELERY_BEAT_SCHEDULE["drain-outbox"] = {
    "task": "outbox.tasks.outbox_drain_task",
    "schedule": timedelta(seconds=OUTBOX_DRAIN_SECONDS),
}

# --- Auth and tokens ------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

ACCESS_TOKEN_MIN = env_int("ACCESS_TOKEN_MIN", 10)
REFRESH_TOKEN_DAYS = env_int("REFRESH_TOKEN_DAYS", 14)
JWT_SECRET_KEY = env_str("JWT_SECRET_KEY", SECRET_KEY)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_MIN),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "uuid",
    "USER_ID_CLAIM": "sub",
    "LEEWAY": 0,
}

# How long the signed-in user's row stays cached (config/api/user_cache.py: the services that
# change a user refresh it at once); 0 reads the database on every request. The local-memory
# cache is per process, so there a copy lives at most AUTH_USER_CACHE_LOCAL_SECONDS.
AUTH_USER_CACHE_SECONDS = env_int("AUTH_USER_CACHE_SECONDS", 300)
AUTH_USER_CACHE_LOCAL_SECONDS = env_int("AUTH_USER_CACHE_LOCAL_SECONDS", 30)

COOKIE_SECURE = env_bool("COOKIE_SECURE", PRODUCTION)
COOKIE_DOMAIN = env_str("COOKIE_DOMAIN", None)
COOKIE_SAMESITE = env_str("COOKIE_SAMESITE", "Lax")
if COOKIE_SAMESITE not in {"Lax", "Strict", "None"}:
    raise ImproperlyConfigured("COOKIE_SAMESITE must be Lax, Strict or None.")

# Rate limits for the auth endpoints, as django-ratelimit rates ("N/s|m|h|d").
RATE_LIMIT_LOGIN_IP = env_limit("RATE_LIMIT_LOGIN_IP", "30/m")
RATE_LIMIT_LOGIN_ACCOUNT = env_limit("RATE_LIMIT_LOGIN_ACCOUNT", "10/m")
RATE_LIMIT_REGISTER_IP = env_limit("RATE_LIMIT_REGISTER_IP", "20/h")
RATE_LIMIT_REFRESH_IP = env_limit("RATE_LIMIT_REFRESH_IP", "120/m")
RATE_LIMIT_REFRESH_ACCOUNT = env_limit("RATE_LIMIT_REFRESH_ACCOUNT", "30/m")
# Password reset and e-mail verification (per IP, and per address or account).
RATE_LIMIT_PASSWORD_RESET_IP = env_limit("RATE_LIMIT_PASSWORD_RESET_IP", "10/h")
RATE_LIMIT_PASSWORD_RESET_ACCOUNT = env_limit("RATE_LIMIT_PASSWORD_RESET_ACCOUNT", "3/h")
RATE_LIMIT_VERIFY_EMAIL_IP = env_limit("RATE_LIMIT_VERIFY_EMAIL_IP", "30/h")
RATE_LIMIT_VERIFY_EMAIL_ACCOUNT = env_limit("RATE_LIMIT_VERIFY_EMAIL_ACCOUNT", "5/h")
# Two-factor codes (sign-in, set-up, turning it off; API and console together). The hourly cap
# per account is what makes guessing six digits hopeless.
RATE_LIMIT_MFA_IP = env_limit("RATE_LIMIT_MFA_IP", "30/m")
RATE_LIMIT_MFA_ACCOUNT = env_limit("RATE_LIMIT_MFA_ACCOUNT", "10/h")

# Where the single-page app lives: e-mails link to {FRONTEND_URL}/verify-email?token=... and
# {FRONTEND_URL}/reset-password?token=... In production it defaults to the first ALLOWED_HOSTS.
FRONTEND_URL = env_str(
    "FRONTEND_URL", f"https://{ALLOWED_HOSTS[0].lstrip('.')}" if PRODUCTION else "http://localhost:3000"
).rstrip("/")
EMAIL_VERIFY_TOKEN_SECONDS = env_int("EMAIL_VERIFY_TOKEN_SECONDS", 3 * 24 * 3600)
PASSWORD_RESET_TOKEN_SECONDS = env_int("PASSWORD_RESET_TOKEN_SECONDS", 3600)
if not (60 <= EMAIL_VERIFY_TOKEN_SECONDS <= 30 * 24 * 3600 and 60 <= PASSWORD_RESET_TOKEN_SECONDS <= 24 * 3600):
    raise ImproperlyConfigured(
        "EMAIL_VERIFY_TOKEN_SECONDS must be 60 s to 30 days, PASSWORD_RESET_TOKEN_SECONDS 60 s to 1 day."
    )
# Two-factor sign-in (TOTP): mandatory for STAFF and ADMIN when on; the sign-in challenge lives
# MFA_CHALLENGE_SECONDS; authenticator apps show MFA_ISSUER as the account's issuer.
REQUIRE_2FA_FOR_STAFF = env_bool("REQUIRE_2FA_FOR_STAFF", False)
MFA_CHALLENGE_SECONDS = env_int("MFA_CHALLENGE_SECONDS", 300)
MFA_ISSUER = env_str("MFA_ISSUER", APP_NAME)
# General API throttles (DRF); "off" disables. These fail open when the cache is down.
API_RATE_LIMIT_ANON = env_rate("API_RATE_LIMIT_ANON", "120/minute")
API_RATE_LIMIT_USER = env_rate("API_RATE_LIMIT_USER", "1200/minute")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["config.api.authentication.JWTCookieOrBearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["config.api.renderers.OrjsonRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.negotiation.ApiContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonThrottle",
        "config.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": API_RATE_LIMIT_ANON, "user": API_RATE_LIMIT_USER},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "config.api.metadata.ApiMetadata",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# How deeply a JSON body may nest lists and objects; deeper is a 400.
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 200)

SPECTACULAR_SETTINGS = {
    "TITLE": f"{APP_NAME} API",
    "DESCRIPTION": (
        "Work hours, focus groups, leave and appointments in one API. Authenticate with "
        "`Authorization: Bearer <access_token>` or with the cookies that the auth endpoints set "
        "(cookie-authenticated writes need `X-CSRF-Token` equal to the `csrf_token` cookie)."
    ),
    "VERSION": APP_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        "validatorUrl": None,
        "persistAuthorization": True,
        "deepLinking": True,
    },
    "ENUM_NAME_OVERRIDES": {},
    # Every operation documents the errors it can answer (config/api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.schema.document_errors"],
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ORIGINS", env_list("BACKEND_CORS_ORIGINS", []))
CORS_ALLOW_CREDENTIALS = True
# The API and the seed clients' mounts (docs/clients.md); the allow-list is the same for both.
CORS_URLS_REGEX = r"^/(api|compat)/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "x-csrf-token",
    "x-requested-with",
)

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The staff console's pages (config/admin_headers.py): nothing but this host's own files.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = COOKIE_SECURE
CSRF_COOKIE_SECURE = COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Probes from the cluster speak plain HTTP to the pod.
    SECURE_REDIRECT_EXEMPT = [r"^health", r"^healthz$", r"^ready$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / env_str("MEDIA_ROOT", "var/media")  # a relative path is taken from BASE_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url_config(env_str("EMAIL_URL", "consolemail://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Timekeep <no-reply@localhost>")

# --- Audit ----------------------------------------------------------------------------------
AUDIT_RETENTION = env_int("AUDIT_RETENTION", 180)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Media and object storage (media app) ---------------------------------------------------
# Images go to an S3 API (MinIO in production) when an endpoint is set, else to files under
# MEDIA_ROOT. Nothing is public either way: clients get presigned, expiring URLs. The seeds'
# names work as well: MINIO_* (Just Like Clockwork), S3_BUCKET_NAME and AWS_* (LockIN).
S3_USE_TLS = env_bool("S3_USE_TLS", True)


def _endpoint(url: str) -> str:
    # MinIO's own clients take a bare `host:port` plus a TLS flag; boto3 wants a URL.
    return url if not url or "://" in url else f"{'https' if S3_USE_TLS else 'http'}://{url}"


S3_ENDPOINT_URL = _endpoint(env_str("S3_ENDPOINT_URL", env_str("MINIO_ENDPOINT", "")))
if S3_ENDPOINT_URL:
    STORAGES["default"] = {
        "BACKEND": "media.storage.S3MediaStorage",
        "OPTIONS": {
            "endpoint_url": S3_ENDPOINT_URL,
            # Signs the URLs browsers get, when they reach the server under another name.
            "public_endpoint_url": _endpoint(env_str("S3_PUBLIC_ENDPOINT_URL", "")) or None,
            "bucket_name": env_str("S3_BUCKET", env_str("S3_BUCKET_NAME", "timekeep")),
            "region_name": env_str("S3_REGION", env_str("AWS_REGION", "us-east-1")),
            "access_key": env_str("S3_ACCESS_KEY", env_str("MINIO_ACCESS_KEY", env_str("AWS_ACCESS_KEY_ID"))),
            "secret_key": env_str("S3_SECRET_KEY", env_str("MINIO_SECRET_KEY", env_str("AWS_SECRET_ACCESS_KEY"))),
            "use_ssl": S3_ENDPOINT_URL.startswith("https://"),
        },
    }
else:
    STORAGES["default"] = {"BACKEND": "media.storage.LocalMediaStorage"}
HEALTH_STORAGE_CHECK = "media.health.storage_check"
# Prefix for the local backend's signed links (e.g. https://api.example.com); empty: paths on this host.
MEDIA_PUBLIC_BASE_URL = env_str("MEDIA_PUBLIC_BASE_URL", "")
MEDIA_URL_EXPIRE_SECONDS = env_int("MEDIA_URL_EXPIRE_SECONDS", 300)
MEDIA_UPLOAD_URL_EXPIRE_SECONDS = env_int("MEDIA_UPLOAD_URL_EXPIRE_SECONDS", 120)
if not (1 <= MEDIA_URL_EXPIRE_SECONDS <= 604800 and 1 <= MEDIA_UPLOAD_URL_EXPIRE_SECONDS <= 604800):
    raise ImproperlyConfigured("MEDIA_*_EXPIRE_SECONDS must be 1–604800 (S3 signs URLs for at most seven days).")
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 40_000_000)
USER_MEDIA_QUOTA_BYTES = env_int("USER_MEDIA_QUOTA_BYTES", 200 * 1024 * 1024)
# Pending uploads never confirmed, and stored objects no image refers to, are deleted after this.
MEDIA_ORPHAN_MAX_AGE_HOURS = env_int("MEDIA_ORPHAN_MAX_AGE_HOURS", 24)
CELERY_BEAT_SCHEDULE["sweep-orphan-media"] = {
    "task": "media.tasks.sweep_orphan_media_task",
    "schedule": timedelta(hours=6),
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ImageKindEnum"] = "media.models.ImageKind"

# --- Tracking (time entries, sessions, compliance) ------------------------------------------
# Longest single entry (hours), and how far past the server clock an entry may start or end.
TIME_ENTRY_MAX_HOURS = env_int("TIME_ENTRY_MAX_HOURS", 24)
TIME_ENTRY_FUTURE_SKEW_SECONDS = env_int("TIME_ENTRY_FUTURE_SKEW_SECONDS", 300)
# Let one user's entries overlap. Rows written while this is on never block other rows.
TIME_ENTRY_ALLOW_OVERLAP = env_bool("TIME_ENTRY_ALLOW_OVERLAP", False)
# Working-time limits (EU Working Time Directive defaults), checked in each user's time zone.
WORKING_TIME_MAX_WEEKLY_HOURS = env_int("WORKING_TIME_MAX_WEEKLY_HOURS", 48)
WORKING_TIME_MAX_DAILY_HOURS = env_int("WORKING_TIME_MAX_DAILY_HOURS", 10)
WORKING_TIME_MIN_DAILY_REST = env_int("WORKING_TIME_MIN_DAILY_REST", 11)
# Off: breaking a limit returns warnings. On: the write is refused with 422.
WORKING_TIME_ENFORCE = env_bool("WORKING_TIME_ENFORCE", False)
# Timers running longer than this are stopped at start + this many hours.
TIMER_AUTO_STOP_HOURS = env_int("TIMER_AUTO_STOP_HOURS", 12)
CELERY_BEAT_SCHEDULE["stop-forgotten-timers"] = {
    "task": "tracking.tasks.stop_forgotten_timers_task",
    "schedule": timedelta(minutes=15),
}

# --- Groups ---------------------------------------------------------------------------------
# Days a group invite stays open before it expires.
GROUP_INVITE_EXPIRE_DAYS = env_int("GROUP_INVITE_EXPIRE_DAYS", 14)
if not 1 <= GROUP_INVITE_EXPIRE_DAYS <= 365:
    raise ImproperlyConfigured("GROUP_INVITE_EXPIRE_DAYS must be 1-365.")
# Archives groups whose end date has passed in their time zone, and expires overdue invites.
CELERY_BEAT_SCHEDULE["archive-expired-groups"] = {
    "task": "groups.tasks.archive_expired_groups_task",
    "schedule": timedelta(days=1),
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "GroupStatusEnum": "groups.models.GroupStatus",
        "InviteStatusEnum": "groups.models.InviteStatus",
        "MembershipRoleEnum": "groups.models.MembershipRole",
        "GroupPeriodEnum": "groups.models.Period",
        # Other apps' `status` and `role` fields share those names; each choice set gets its own.
        "SessionStatusEnum": "tracking.models.SessionStatus",
        "RoleEnum": "accounts.models.Role",
    }
)

# --- Leave and holidays ---------------------------------------------------------------------
# Hours worked Monday..Sunday by anyone without a work pattern of their own (0 = not a working day).
LEAVE_DEFAULT_WEEK_HOURS = [float(h) for h in env_list("LEAVE_DEFAULT_WEEK_HOURS", ["8", "8", "8", "8", "8", "0", "0"])]
if len(LEAVE_DEFAULT_WEEK_HOURS) != 7 or not all(0 <= h <= 24 for h in LEAVE_DEFAULT_WEEK_HOURS):
    raise ImproperlyConfigured("LEAVE_DEFAULT_WEEK_HOURS must be seven hour counts (0-24), Monday first.")
# Longest leave request, and widest holiday/calendar window, in calendar days.
LEAVE_MAX_REQUEST_DAYS = env_int("LEAVE_MAX_REQUEST_DAYS", 366)
LEAVE_MAX_WINDOW_DAYS = env_int("LEAVE_MAX_WINDOW_DAYS", 731)
# The jobs run every six hours and write each ledger row once (a repeated or concurrent run writes nothing).
for _name, _task in {
    "leave-grant-yearly": "leave.tasks.leave_grant_yearly_task",
    "leave-accrue": "leave.tasks.leave_accrue_task",
    "leave-carry-over": "leave.tasks.leave_carry_over_task",
    "leave-expire-carry-over": "leave.tasks.leave_expire_carry_over_task",
}.items():
    CELERY_BEAT_SCHEDULE[_name] = {"task": _task, "schedule": timedelta(hours=6)}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "LeaveRequestStatusEnum": "leave.models.RequestStatus",
        "LeaveLedgerKindEnum": "leave.models.LedgerKind",
        "LeaveAccrualEnum": "leave.models.Accrual",
        "LeaveStartHalfEnum": "leave.models.StartHalf",
        "LeaveEndHalfEnum": "leave.models.EndHalf",
        "HolidaySourceEnum": "leave.api.serializers.HOLIDAY_SOURCES",
        "LeavePreviewProblemEnum": "leave.api.serializers.PREVIEW_PROBLEMS",
    }
)

# --- Analytics (reports, exports, calendar feed) --------------------------------------------
# A detailed export with more rows than this is written in the background (the request answers
# 202 with an export job) instead of being streamed.
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 50000)
# Hours an exported file stays downloadable; the hourly expire-exports job removes it then.
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 24)
# Rows fetched per round trip of an export's server-side cursor.
EXPORT_CHUNK_ROWS = env_int("EXPORT_CHUNK_ROWS", 2000)
# Background exports one person may have queued or running at once (one more is a 409).
EXPORT_MAX_PENDING = env_int("EXPORT_MAX_PENDING", 3)
if EXPORT_SYNC_MAX_ROWS < 0 or min(EXPORT_RETENTION_HOURS, EXPORT_CHUNK_ROWS, EXPORT_MAX_PENDING) < 1:
    raise ImproperlyConfigured("EXPORT_* settings must be positive (EXPORT_SYNC_MAX_ROWS may be 0).")
CELERY_BEAT_SCHEDULE["expire-exports"] = {
    "task": "analytics.tasks.expire_exports_task",
    "schedule": timedelta(hours=1),
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ExportFormatEnum": "analytics.models.ExportFormat",
        "ExportKindEnum": "analytics.models.ExportKind",
        "ExportStatusEnum": "analytics.models.ExportStatus",
        "ReportDimensionEnum": "analytics.selectors.summary.DIMENSIONS",
    }
)
# Days before and after today that a calendar feed covers.
CALENDAR_FEED_PAST_DAYS = env_int("CALENDAR_FEED_PAST_DAYS", 90)
CALENDAR_FEED_FUTURE_DAYS = env_int("CALENDAR_FEED_FUTURE_DAYS", 365)
if not (0 <= CALENDAR_FEED_PAST_DAYS <= 3660 and 0 <= CALENDAR_FEED_FUTURE_DAYS <= 3660):
    raise ImproperlyConfigured("CALENDAR_FEED_PAST_DAYS and CALENDAR_FEED_FUTURE_DAYS must be 0-3660.")
# A shared report link works this many days unless its creator says otherwise, and at most REPORT_SHARE_MAX_DAYS.
REPORT_SHARE_DEFAULT_DAYS = env_int("REPORT_SHARE_DEFAULT_DAYS", 7)
REPORT_SHARE_MAX_DAYS = env_int("REPORT_SHARE_MAX_DAYS", 90)
if not 1 <= REPORT_SHARE_DEFAULT_DAYS <= REPORT_SHARE_MAX_DAYS:
    raise ImproperlyConfigured("REPORT_SHARE_DEFAULT_DAYS must be 1 to REPORT_SHARE_MAX_DAYS.")
# Seconds the staff console's start page keeps each person's charts and month of violations.
CONSOLE_CHARTS_SECONDS = env_int("CONSOLE_CHARTS_SECONDS", 300)

# --- Appointments (scheduling) --------------------------------------------------------------


def _reminder_minutes(text: str) -> int:
    """Minutes in "24h", "90m" or a bare number of minutes."""
    text = text.strip().lower()
    value = text[:-1] if text[-1:] in {"h", "m"} else text
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"APPOINTMENT_REMINDERS: {text!r} is not like 24h or 30m.")
    return int(value) * (60 if text.endswith("h") else 1)


# How long before an appointment its customer is reminded (inbox and e-mail with an .ics), e.g. "24h,1h".
APPOINTMENT_REMINDERS = sorted(
    {_reminder_minutes(item) for item in env_list("APPOINTMENT_REMINDERS", ["24h", "1h"])}, reverse=True
)
CELERY_BEAT_SCHEDULE["send-appointment-reminders"] = {
    "task": "scheduling.tasks.send_appointment_reminders_task",
    "schedule": timedelta(minutes=5),
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["AppointmentStatusEnum"] = "scheduling.models.AppointmentStatus"
# The docs open with signing in and the account: `/api/v1/appointments/` sorts before every other
# path, and the docs list tags in the order they first appear unless the schema names some first.
SPECTACULAR_SETTINGS["TAGS"] = [
    {"name": "auth", "description": "Sign up, sign in (JSON or OAuth2 form), refresh, sign out."},
    {"name": "users", "description": "Your account, and the accounts STAFF and ADMINs manage."},
]
