"""Settings for the ML Debugging Knowledge Base: one file, driven by environment variables.

Every variable has a safe development default except ``DJANGO_SECRET_KEY``, which is required
whenever ``DJANGO_DEBUG`` is off. A malformed value fails at start-up with ``ImproperlyConfigured``.
"""

import os
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(for local development set DJANGO_DEBUG=true; `make run` does)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Security headers and cookies. Always on: they cost nothing on plain-HTTP development servers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Production is served over HTTPS only (`manage.py check --deploy` is clean with these defaults).
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe /healthz over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself and strips any value sent by clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp). Scripts only from our own static files: plotly.js is served from
# static/vendor/plotly and charts are drawn by static/js/charts.js from JSON data blocks, so no inline script
# runs. A template that truly needs an inline script adds nonce="{{ request.csp_nonce }}". plotly.js sets
# inline styles on the elements it draws, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        # ReDoc (/api/redoc/) runs its search index in a worker it creates from a blob: URL.
        "worker-src": [csp.SELF, "blob:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "kb_site",
    "taxonomy",
    "papers",
    "challenges",
    "coverage",
    "datasets",
    "triage",
    "accounts",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after SecurityMiddleware, so that every answer carries the Content-Security-Policy and
    # X-Frame-Options, even those that middleware further in gives without calling a view (400, 413, 503, 304).
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Oversize bodies (413) and NUL bytes in the URL (400) are refused before anything reads them;
    # database outages become a 503.
    "kb_site.middleware.RequestLimitsMiddleware",
    "kb_site.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A blind coder's pages differ from everyone else's: never from or into a shared cache (papers.blind).
    "kb_site.middleware.PerUserAnswerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "kb_site.middleware.LoginThrottleMiddleware",
    # Last, so that authentication and CSRF have run: anonymous GETs of KB_PAGE_CACHE_VIEWS answered per data version.
    "coverage.page_cache.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "kb_site.urls"

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

WSGI_APPLICATION = "kb_site.wsgi.application"

# The embedded SQLite file is only the zero-setup default for a first local run;
# PostgreSQL is the database of record (docker compose, CI).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # A persistent connection broken by a database restart is replaced at the next request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails fast (clean 503) instead of hanging a worker for minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = os.environ.get("REDIS_URL", "")
# The cache is an optimisation, never a dependency: with Redis down or unreachable every cache call fails fast
# (half a second at most) and quietly (django-redis' IGNORE_EXCEPTIONS, logged): a read is a miss, so pages and
# the API compute their answers; a write is dropped. Throttles and login lockouts then count nothing, that is
# they let requests through until Redis is back (README "Security model"); /healthz reports "cache": "error".
KB_REDIS_CACHE_OPTIONS = {
    "IGNORE_EXCEPTIONS": True,
    "LOG_IGNORED_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": 0.5,
    "SOCKET_TIMEOUT": 0.5,
}
CACHES = {
    "default": (
        {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": _redis_url, "OPTIONS": KB_REDIS_CACHE_OPTIONS}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kb"}
    ),
}
DJANGO_REDIS_LOGGER = "kb_site.cache"
# App servers keep no state of their own, so any number of them can share one database and one Redis:
# sessions live in the database alone (a Redis outage signs nobody out), and computed coverage is cached in Redis
# keyed on a data version (coverage/cache.py; off with a per-process cache unless KB_COVERAGE_CACHE=true).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if os.environ.get("KB_COVERAGE_CACHE"):
    KB_COVERAGE_CACHE = env_bool("KB_COVERAGE_CACHE", True)
# Public read-only answers that coverage.page_cache serves per data version to anonymous visitors (URL names): every
# record they show is one whose change bumps the data version (coverage/signals.py). Pages that show anything else
# (submissions, releases, search, the classifier) are not listed.
KB_PAGE_CACHE_VIEWS = frozenset(
    [
        "coverage:fault-list",
        "coverage:fault-detail",
        "coverage:agreement",
        "coverage:snapshot-list",
        "coverage:snapshot-detail",
        "coverage:snapshot-diff",
        "papers:paper-list",
        "papers:paper-detail",
        "challenges:evidence-list",
        "challenges:artifact-detail",
        "challenges:mention-list",
        "challenges:interview-list",
        "challenges:interview-detail",
        "challenges:challenge-list",
        "challenges:challenge-detail",
        *(
            f"api:{name}-{kind}"
            for name in (
                "fault",
                "method",
                "paper",
                "mapping",
                "coding",
                "github-artifact",
                "stackoverflow-post",
                "interview",
                "interview-mention",
                "challenge",
            )
            for kind in ("list", "detail")
        ),
    ]
)
# How long a browser or proxy may reuse such an answer before revalidating it with its ETag (seconds).
KB_PAGE_MAX_AGE = env_int("KB_PAGE_MAX_AGE", 30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The gate refuses logins from a client address with too many recent failures (KB_LOGIN_FAILURE_LIMIT below)
# before ModelBackend checks any password.
AUTHENTICATION_BACKENDS = [
    "kb_site.login_throttle.LoginThrottleGate",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "kb@localhost")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("KB_STATIC_ROOT", BASE_DIR / "staticfiles"))
# plotly.js is our partial bundle (static/vendor/plotly/plotly-kb.min.js: only the trace types the charts draw),
# built from the npm package of the version the Python plotly package renders for (`make plotly-bundle`), so
# nothing is fetched from a CDN or built at run time.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed file names once `collectstatic` has run (docker compose, production); plain names before
# that (tests, first run), so nothing depends on a collect step having happened.
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", (STATIC_ROOT / "staticfiles.json").exists())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve static files from the finders when nothing was collected (tests, first run).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Where `build_fixtures` reads the survey data from (the shared folder beside the checkout).
SURVEY_DATA_DIR = Path(os.environ.get("KB_SURVEY_DATA_DIR", BASE_DIR.parent / "shared" / "survey-data"))
# The trained bug-report classifier (`manage.py train_classifier`, run by `make data`); kept out of git.
KB_CLASSIFIER_PATH = Path(os.environ.get("KB_CLASSIFIER_PATH", BASE_DIR / "var" / "classifier" / "classifier.joblib"))

# Request size limits: nothing legitimate is larger (BibTeX uploads are limited separately).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# kb_site.middleware.RequestLimitsMiddleware answers 413 to any body larger than DATA_UPLOAD_MAX_MEMORY_SIZE
# (JSON included, which Django itself does not limit), or than KB_MAX_UPLOAD_SIZE for multipart uploads.
KB_MAX_UPLOAD_SIZE = env_int("KB_MAX_UPLOAD_SIZE", 2 * 1024 * 1024)
# Failed logins (login form, admin, API token) per client address and username before a 429, and for how long.
KB_LOGIN_FAILURE_LIMIT = env_int("KB_LOGIN_FAILURE_LIMIT", 5)
KB_LOGIN_LOCKOUT_SECONDS = env_int("KB_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# The client address every throttle and lockout keys on (kb_site/client.py): how many reverse proxies in front of
# the app append to X-Forwarded-For. 0 (the default) trusts no header: the address is the TCP peer (REMOTE_ADDR).
# With n > 0 it is the n-th address from the right of X-Forwarded-For, the one the outermost trusted proxy saw.
# Four eyes: a curator's own submission (or adjudication) is approved by another curator; true only for one-person
# deployments.
KB_ALLOW_SELF_APPROVAL = env_bool("KB_ALLOW_SELF_APPROVAL", False)
KB_NUM_PROXIES = env_int("KB_NUM_PROXIES", 0)
if KB_NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"KB_NUM_PROXIES must be 0 or more, got {KB_NUM_PROXIES}")
# Site search (the HTML page): at most this many words and characters (more is a form error), and a rate per client.
KB_SEARCH_MAX_WORDS = env_int("KB_SEARCH_MAX_WORDS", 12)
KB_SEARCH_MAX_LENGTH = env_int("KB_SEARCH_MAX_LENGTH", 200)
# A search rebuilds a stale index of at most this many documents itself; a larger one waits for
# `manage.py search_index --if-stale` (search/index.py). The real data makes about 700.
KB_SEARCH_INLINE_REBUILD_MAX = env_int("KB_SEARCH_INLINE_REBUILD_MAX", 50_000)

REST_FRAMEWORK = {
    "DEFAULT_FILTER_BACKENDS": [
        "kb_site.api.filters.FilterBackend",
        "kb_site.api.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kb_site.api.pagination.KBPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["kb_site.api.permissions.ModelPermissionsOrAnonReadOnly"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "kb_site.api.renderers.CSVRenderer",
    ],
    # Token first: DRF answers missing or wrong credentials with 401 only if the first class sends a WWW-Authenticate
    # challenge (TokenAuthentication: "Token"); SessionAuthentication sends none, so first it would make them 403.
    # A signed-in browser still works: without a Token header the session is used, with CSRF enforced on writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "kb_site.api.schema.KBAutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "kb_site.api.params.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        # DRF's JSON parser with a nesting limit and no NUL or lone surrogate in any string (kb_site/api/parsers.py).
        "kb_site.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "kb_site.throttling.AnonRateThrottle",
        # UserRateThrottle for signed-in clients only: anonymous ones are limited by the (lower) anon rate alone.
        "kb_site.throttling.SignedInRateThrottle",
    ],
    # DRF's own client-address rule (BaseThrottle.get_ident) with our setting: kb_site/client.py.
    "NUM_PROXIES": KB_NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("KB_API_ANON_RATE", "600/minute"),
        "user": os.environ.get("KB_API_USER_RATE", "1200/minute"),
        "submissions": os.environ.get("KB_SUBMISSION_RATE", "30/hour"),
        "search": os.environ.get("KB_SEARCH_RATE", "30/minute"),
        "classify": os.environ.get("KB_CLASSIFY_RATE", "30/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ML Debugging Knowledge Base API",
    "DESCRIPTION": (
        "Fault taxonomy (Humbatova et al., ICSE 2020, CC BY 4.0), research papers mapped to faults, "
        "practitioner evidence and coverage statistics computed from the stored mappings."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Docstrings are written in reST (``code``); Swagger UI and ReDoc render Markdown: one hook converts them.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kb_site.api.schema.markdown_backticks",
    ],
    # Several models have a `kind`, `status` or `origin`: name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "FaultKindEnum": "taxonomy.models.Fault.Kind",
        "FaultOriginEnum": "taxonomy.models.Fault.Origin",
        "ReviewStatusEnum": "taxonomy.models.ReviewStatus",
        "PaperOriginEnum": "papers.models.Paper.Origin",
        "ArtifactKindEnum": "challenges.models.Artifact.Kind",
        "ChallengeStatusEnum": "challenges.models.Challenge.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
