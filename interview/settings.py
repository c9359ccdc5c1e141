"""Settings for the interview project.

Everything that differs between a laptop and production comes from environment variables, read once here.
The defaults are safe for development: DEBUG on, SQLite next to the code, a throwaway secret key.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from interview.production import DEV_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
# Every top-level folder here is a bank that build_fixtures reads into fixtures/content.json.
BANKS_DIR = BASE_DIR / "fixtures" / "markdown"
# The bank that ships with the app. Its keys predate banks and stay unprefixed, so history stays linked;
# every other bank's keys start with its slug.
BUNDLED_BANK = "mle-interview-questions"
# The bundled bank's markdown: the review queue's content report and the markdown export's layouts read it.
QUESTION_BANK_DIR = BANKS_DIR / BUNDLED_BANK


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
# The development key only serves `make run`; production entry points refuse it (interview/production.py).
SECRET_KEY = env("DJANGO_SECRET_KEY", DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
    "django_tasks_db",
    "quiz",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and the user are loaded: a peer screen's poll with nothing new is answered here.
    "quiz.middleware.PeerPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "quiz.middleware.PrivateResponsesMiddleware",
    "quiz.middleware.AccountThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "quiz.middleware.NotFoundPageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every sign-in attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "interview.urls"
WSGI_APPLICATION = "interview.wsgi.application"

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
                "quiz.context_processors.account",
            ],
        },
    },
]

# SQLite by default: WAL lets readers run beside the one writer, IMMEDIATE takes the write lock at BEGIN so
# two writers never fail with "database is locked" mid-transaction; interview.sqlite queues them on a lock
# file before BEGIN, so they wait for the kernel to wake them rather than in the busy handler's sleeps.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "interview.sqlite",
            "NAME": env("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
# Persistent connections, on both databases: opening one per request (and SQLite's PRAGMAs each time) is a
# large part of a short request's CPU (docs/bench-results.md). The health check reopens one the server
# dropped, before it is used.
DATABASES["default"] |= {"CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's cache, in the database so that every app server shares it. `manage.py createcachetable` makes the
# table (make run, make serve and the tests run it). The throttles count in their own table (ThrottleCount),
# where one statement adds one and reads the total: the cache's increment is a read then a write.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}
# Behind a proxy every request comes from the proxy's address: name the header it puts the client's in
# (e.g. HTTP_X_REAL_IP), so that lockouts and throttles count per client. quiz/client_address.py reads it,
# for django-axes and for the throttles alike.
CLIENT_IP_HEADER = env("DJANGO_CLIENT_IP_HEADER")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Signed-out visitors may browse the bank's questions (the list and each question's page, never anyone's
# answers or data) and try a sample question; 0 sends them to the sign-in page instead.
BANK_OPEN_TO_VISITORS = env_bool("DJANGO_BANK_OPEN_TO_VISITORS", True)

# Background work (a bank import): Django's tasks framework, queued in the database by django-tasks-db and run
# by `manage.py db_worker`, which `make run` and `make serve` start beside the web server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
LOGIN_REDIRECT_URL = "quiz:home"
LOGOUT_REDIRECT_URL = "quiz:home"

# Lock an account/IP pair out after five failed sign-ins for 15 minutes; a success resets the count.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
# A retry while locked out must not restart the 15 minutes the lockout page promises.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "quiz.client_address.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Lockouts are still logged (username and IP); verbose mode only adds a banner to every manage.py command.
AXES_VERBOSE = False

# Password-reset mail: printed to the console in development; in production sent through the SMTP server
# the environment names (DJANGO_EMAIL_BACKEND overrides either, e.g. the console backend for `make serve`).
EMAIL_BACKEND_PATH = env(
    "DJANGO_EMAIL_BACKEND", f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend"
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith(".smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(env("DJANGO_EMAIL_PORT", "587")),
        "username": env("DJANGO_EMAIL_USER") or None,
        "password": env("DJANGO_EMAIL_PASSWORD") or None,
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "interview@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Strict CSP: scripts only from our origin (htmx is served by django-htmx, quiz.js by us), no inline code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Browsers never send Secure cookies over plain http, so sign-in fails there. DJANGO_INSECURE_COOKIES=1 is
    # for `make serve` on loopback only; behind a TLS proxy leave it unset, with DJANGO_SECURE_SSL_REDIRECT=1.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not env_bool("DJANGO_INSECURE_COOKIES", False)
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
}
