"""Settings, all from the environment.

With nothing set the portal runs on SQLite with Celery tasks executed eagerly in-process, so a
newcomer gets it running with one command. With DATABASE_URL and CELERY_BROKER_URL (or REDIS_URL)
it runs on PostgreSQL and Redis; Redis then also serves the cache and the sessions.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env("SECRET_KEY") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY должен быть задан, когда DEBUG выключен")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "cnppm",
    "diagnostics",
    "routes",
    "monitoring",
    "courses",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The answer autosave reads the user id from the session, without the user row (issue 11.2).
    "cnppm.middleware.SessionUserMiddleware",
    "cnppm.cache_headers.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cnppm.middleware.ConsentAndPasswordGateMiddleware",
    "cnppm.middleware.UserTimezoneMiddleware",
    # SQLite's "database is locked" answers 503 with a retry message, not a bare 500.
    "cnppm.errors.DatabaseBusyMiddleware",
    # One personal-data access row per request, naming whom the request read (cnppm/readlog.py).
    "cnppm.readlog.PersonalDataReadLogMiddleware",
]

ROOT_URLCONF = "cnppm.urls"
WSGI_APPLICATION = "cnppm.wsgi.application"
ASGI_APPLICATION = "cnppm.asgi.application"

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
                "cnppm.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at the
            # start of a transaction, so a second writer waits up to `timeout` seconds for it
            # instead of failing mid-transaction with "database is locked" (cnppm.errors answers
            # 503 with a retry message if it still happens).
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# SQLite (the newcomer's default) cannot enforce the NULLS NOT DISTINCT unique constraints; the
# services check those cases themselves, and PostgreSQL, the deployment database, enforces them.
SILENCED_SYSTEM_CHECKS = ["models.W047"] if not DATABASE_URL else []

# --- Redis: broker, cache, sessions ---------------------------------------------------------
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL
if REDIS_URL or CELERY_BROKER_URL.startswith("redis"):
    _cache_url = REDIS_URL or CELERY_BROKER_URL
    _redis_options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        # A dead or hung Redis costs at most a second per call, not a worker timeout.
        "SOCKET_CONNECT_TIMEOUT": 1,
        "SOCKET_TIMEOUT": 1,
    }
    CACHES = {
        "default": {
            # A Redis outage is not a 500 and not a refusal: while Redis is unreachable a memory cache
            # per process stands in (cnppm/cache.py; IGNORE_EXCEPTIONS alone makes allauth's rate
            # limits refuse every login), and every cached answer has its database source.
            "BACKEND": "cnppm.cache.FallbackRedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "cnppm"),
            "OPTIONS": _redis_options,
        },
        # The login limit must know when Redis fails (it then counts in the database): no
        # IGNORE_EXCEPTIONS here.
        "auth_limits": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "cnppm") + "-limits",
            "OPTIONS": _redis_options,
        },
    }
    # Sessions are written to the database and read through the cache: a Redis outage logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    AUTH_LIMITS_CACHE = "auth_limits"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # A local-memory cache is per process: the login limit counts in the database instead.
    AUTH_LIMITS_CACHE = None

# --- Celery ---------------------------------------------------------------------------------
# No broker: tasks run eagerly in-process (the embedded default for a newcomer).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or (CELERY_BROKER_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = env("TIME_ZONE", "Europe/Moscow")
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies goes back to the queue (with acks late) instead of being lost.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Runs recorded by tasks hold a lease (cnppm/jobs.py): a heartbeat older than JOB_LEASE_SECONDS means
# the worker died; the run is then taken over, requeued by the sweeper up to JOB_MAX_ATTEMPTS
# attempts, or failed with the reason. The heartbeat is refreshed every JOB_HEARTBEAT_SECONDS.
JOB_LEASE_SECONDS = float(env("JOB_LEASE_SECONDS", "180"))
JOB_HEARTBEAT_SECONDS = float(env("JOB_HEARTBEAT_SECONDS", "30"))
JOB_MAX_ATTEMPTS = int(env("JOB_MAX_ATTEMPTS", "3"))
# A run still queued this long after its dispatch lost its message (broker lost it, Redis restarted):
# the sweeper sends it again (counted as an attempt, up to JOB_MAX_ATTEMPTS) and an identical request
# no longer waits for it. Longer than a busy queue's ordinary wait.
JOB_QUEUE_TIMEOUT = float(env("JOB_QUEUE_TIMEOUT", "600"))
CELERY_BEAT_SCHEDULE = {
    "close-expired-attempts": {
        "task": "diagnostics.tasks.close_expired_attempts",
        "schedule": 60.0,
    },
    "sweep-stale-jobs": {
        "task": "cnppm.tasks.sweep_stale_jobs",
        "schedule": 60.0,
    },
    # Item-bank uploads nobody confirmed (diagnostics.services.item_import.DRAFT_TTL), with their files.
    "discard-stale-item-drafts": {
        "task": "diagnostics.tasks.discard_stale_item_drafts",
        "schedule": crontab(minute=15),
    },
    # 152-ФЗ ст. 21 ч. 5: personal data of who withdrew consent are depersonalised after the term.
    "depersonalise-withdrawn": {
        "task": "cnppm.tasks.depersonalise_withdrawn",
        "schedule": crontab(hour=3, minute=0),
    },
    "recompute-current-period": {
        "task": "monitoring.tasks.compute_current_period",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "cnppm.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check of a locked account or client (cnppm.auth_limits).
    "cnppm.auth_limits.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# New passwords are hashed with Argon2id at the OWASP minimum (cnppm/hashers.py: PBKDF2's 1,000,000
# iterations made a region's synchronised login queue for seconds). The other hashers only verify
# older hashes, which are rehashed with the first one at their owner's next successful login.
PASSWORD_HASHERS = [
    "cnppm.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_ARGON2_MEMORY_KIB = int(env("PASSWORD_ARGON2_MEMORY_KIB", "19456"))
PASSWORD_ARGON2_TIME_COST = int(env("PASSWORD_ARGON2_TIME_COST", "2"))
PASSWORD_ARGON2_PARALLELISM = int(env("PASSWORD_ARGON2_PARALLELISM", "1"))
# OWASP Password Storage Cheat Sheet: equally strong Argon2id (memory KiB, passes) pairs, one lane.
# More is allowed; less than all of them would quietly weaken every new hash, so it stops the start.
OWASP_ARGON2ID_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
if PASSWORD_ARGON2_PARALLELISM < 1 or not any(
    memory <= PASSWORD_ARGON2_MEMORY_KIB and passes <= PASSWORD_ARGON2_TIME_COST
    for memory, passes in OWASP_ARGON2ID_MINIMUMS
):
    raise RuntimeError(
        "PASSWORD_ARGON2_MEMORY_KIB / PASSWORD_ARGON2_TIME_COST / PASSWORD_ARGON2_PARALLELISM ниже "
        "минимума OWASP для Argon2id (например, 19456 КиБ, 2 прохода, 1 поток)"
    )
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cabinet"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "cnppm.adapters.AccountAdapter"
# A wrong current password on the password change counts against the login limit (cnppm.account_forms).
ACCOUNT_FORMS = {"change_password": "cnppm.account_forms.LimitedChangePasswordForm"}
# No open sign-up by default: accounts come from the roster import or the operator.
ACCOUNT_ALLOW_SIGNUP = env_bool("ACCOUNT_ALLOW_SIGNUP", False)
# Failed logins are limited by cnppm.auth_limits on every door (form, admin, API), per account and
# client and per client; allauth's own per-login-name limit would let anybody lock a user out.
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    # Wrong current passwords on the password change count against the same limit
    # (cnppm.account_forms); allauth's own 5/m/user would answer its bare 429 page first.
    "change_password": None,
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# The client's address (cnppm.auth_limits.client_ip, also allauth's): X-Forwarded-For is believed
# only for NUM_PROXIES hops (1 behind one nginx) and for hops from TRUSTED_PROXIES (CIDR list).
NUM_PROXIES = int(env("NUM_PROXIES", "0"))
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
# The one login limit: failures of one account from one client, and of one client in all.
LOGIN_ACCOUNT_FAILURES = int(env("LOGIN_ACCOUNT_FAILURES", "5"))
LOGIN_ACCOUNT_WINDOW = int(env("LOGIN_ACCOUNT_WINDOW", "300"))
LOGIN_LOCKOUT = int(env("LOGIN_LOCKOUT", "300"))
LOGIN_CLIENT_FAILURES = int(env("LOGIN_CLIENT_FAILURES", "10"))
LOGIN_CLIENT_WINDOW = int(env("LOGIN_CLIENT_WINDOW", "60"))
LOGIN_CLIENT_LOCKOUT = int(env("LOGIN_CLIENT_LOCKOUT", "60"))

# --- E-mail: console by default, SMTP when EMAIL_HOST is set --------------------------------
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ЦНППМ <noreply@cnppm.local>")

# --- Locale ---------------------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = env("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Files that are never served by path (card archives): outside MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(MEDIA_ROOT.parent / "private_media")))
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
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest XLSX/XML file accepted by the imports, in bytes.
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# Bounds of the one spreadsheet reader (cnppm/spreadsheets.py), checked before and while parsing:
# sheet rows and columns holding data, the zip's declared unpacked size, its number of parts, the
# strongest compression of a part, and the shared-strings part. Items of a GIFT/Moodle XML file.
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "150000"))
IMPORT_MAX_COLUMNS = int(env("IMPORT_MAX_COLUMNS", "100"))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(env("IMPORT_MAX_UNCOMPRESSED_BYTES", str(200 * 1024 * 1024)))
IMPORT_MAX_ZIP_ENTRIES = int(env("IMPORT_MAX_ZIP_ENTRIES", "1000"))
IMPORT_MAX_COMPRESSION_RATIO = int(env("IMPORT_MAX_COMPRESSION_RATIO", "100"))
IMPORT_MAX_SHARED_STRINGS_BYTES = int(env("IMPORT_MAX_SHARED_STRINGS_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_ITEMS = int(env("IMPORT_MAX_ITEMS", "5000"))

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "cnppm.api.authentication.ApiTokenAuthentication",
    ],
    # DRF's throttles find the client like the login limit does.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["cnppm.api.permissions.PortalUserPermission"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cnppm.api.exceptions.exception_handler",
}
# Lifetime of an API token, in seconds (30 days).
API_TOKEN_TTL = int(env("API_TOKEN_TTL", str(30 * 24 * 3600)))
SPECTACULAR_SETTINGS = {
    "TITLE": "API портала ЦНППМ",
    "DESCRIPTION": "Диагностика профессиональных дефицитов, ИОМ, мониторинг. Все списки ограничены "
    "областью видимости пользователя.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its UI are for signed-in users (integrators get an account and a token first):
    # the schema maps every endpoint and filter, which an anonymous prober need not be handed.
    "SERVE_PERMISSIONS": ["cnppm.api.permissions.PortalUserPermission"],
    # Swagger UI is vendored (static/vendor/swagger-ui, pinned version): /api/docs/ loads nothing
    # from a CDN.
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across apps ("kind", "status", "level", "format") get
    # their own component names, so the schema generates without warnings.
    "ENUM_NAME_OVERRIDES": {
        "MunicipalityKindEnum": "cnppm.choices.MunicipalityKind",
        "OrganizationKindEnum": "cnppm.choices.OrganizationKind",
        "InstrumentKindEnum": "diagnostics.choices.InstrumentKind",
        "InstrumentStatusEnum": "diagnostics.choices.InstrumentStatus",
        "AttemptStatusEnum": "diagnostics.choices.AttemptStatus",
        "ActivityKindEnum": "routes.choices.ActivityKind",
        "ActivityLevelEnum": "routes.choices.ActivityLevel",
        "ActivityFormatEnum": "routes.choices.ActivityFormat",
        "RouteStatusEnum": "routes.choices.RouteStatus",
        "ReportKindEnum": "monitoring.choices.ReportKind",
        "ReportFormatEnum": "monitoring.choices.ReportFormat",
        "RunStatusEnum": "monitoring.choices.RunStatus",
        "InstrumentAudienceEnum": "diagnostics.choices.Audience",
        "ReportAudienceEnum": "monitoring.choices.ReportAudience",
        "ProgrammeStatusEnum": "courses.choices.ProgrammeStatus",
        "GroupStatusEnum": "courses.choices.GroupStatus",
        "EnrolmentStatusEnum": "courses.choices.EnrolmentStatus",
        "AssessmentResultEnum": "courses.choices.AssessmentResult",
        "CertificateStatusEnum": "courses.choices.CertificateStatus",
    },
}

# --- Security (manage.py check --deploy is clean with DEBUG off) ----------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; kept default
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): everything from the portal itself, no inline scripts or
# styles (templates load static/js and static/css files), data: images only (Bootstrap's icons in
# its CSS), no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# A failed CSRF check gets the portal's Russian page (Django's own explains DEBUG to the visitor).
CSRF_FAILURE_VIEW = "cnppm.error_views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Portal ---------------------------------------------------------------------------------
PORTAL_NAME = env("PORTAL_NAME", "ЦНППМ")
# Norm of the support pool: one tutor and one curator per this many teachers.
SUPPORT_NORM = int(env("SUPPORT_NORM", "200"))
# Providers whose training counts as "by the Federal coordinator" (STAFF_FED_TRAINED, issue 12.5):
# a training record's provider containing one of these names (the flag on the record counts too).
FEDERAL_COORDINATOR_NAMES = (
    "Академия Минпросвещения",
    "Академия Министерства просвещения",
    "Академия реализации государственной политики и профессионального развития",
)
# The blank series of certificates (courses.services.certificates): {region} code, {yy} year.
CERTIFICATE_SERIES = env("CERTIFICATE_SERIES", "{region}{yy}")
# Aggregate-only viewers (the ministry) see no figures of a group smaller than this, nor of its
# complement (cnppm/disclosure.py).
SMALL_GROUP_THRESHOLD = int(env("SMALL_GROUP_THRESHOLD", "5"))
# Days after a consent withdrawal within which the personal data are destroyed or depersonalised
# (152-ФЗ ст. 21 ч. 5: thirty; cnppm.depersonalisation).
CONSENT_DESTRUCTION_DAYS = int(env("CONSENT_DESTRUCTION_DAYS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
