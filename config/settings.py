"""Lianban settings, driven by the environment.

Embedded default: SQLite (WAL) and the in-memory channel layer.
Scale-out: set DATABASE_URL (PostgreSQL) and REDIS_URL (channels-redis, shared cache).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LIANBAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("LIANBAN_DEBUG", False)

SECRET_KEY = env_str("LIANBAN_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LIANBAN_SECRET_KEY is not set. Set it in the environment, or set LIANBAN_DEBUG=1 for a development key."
        )
    SECRET_KEY = "lianban-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("LIANBAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("LIANBAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/docs/, served as our own static files (CSP: no CDN)
    "channels",
    "guardian",
    "axes",
    "viewflow",
    "viewflow.workflow",
    "agencies",
    "notifications",
    "casework",
    "referral",
    "agreements",
    "supervision",
    "meetings",
    "inspections",
    "leadership",
    "search",
    "rewards",
    "publication",
    "credit",
    "systems",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "agencies.security_log.IdleSessionMiddleware",  # the idle timeout slides with each request (auth block)
    "config.security.NoStoreForSignedInMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a refused login into the lockout page (auth block)
    "config.errors.OutOfRangeAsNotFoundMiddleware",  # last: first to see a view's exception
]

ROOT_URLCONF = "config.urls"
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
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# PostgreSQL plans a query with parallel workers when it expects many rows, and starting them costs
# milliseconds: a page's queries, index scans that stop after twenty rows, paid it for nothing (a head's
# empty 我的待办 query 0.05 ms of work in 6.9 ms, bench/README.md). The application's connections plan
# without them; LIANBAN_DB_PARALLEL_WORKERS gives them back. The leaders' reports, which aggregate a
# region's period, read with LIANBAN_DB_REPORT_PARALLEL_WORKERS (agencies.scans; 2 is PostgreSQL's default).
DB_PARALLEL_WORKERS = env_int("LIANBAN_DB_PARALLEL_WORKERS", 0)
LIANBAN_DB_REPORT_PARALLEL_WORKERS = env_int("LIANBAN_DB_REPORT_PARALLEL_WORKERS", 2)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("LIANBAN_DB_CONN_MAX_AGE", 0))}
    # One test database per test run, so two runs on one machine never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # PostgreSQL: each process keeps a pool of open connections (psycopg_pool, Django's "pool" option).
    # Without it every request and every socket's database trip opens a connection of its own — in a
    # reconnect storm of 1,000 sockets that was most of the handshake (bench/README.md). Persistent
    # connections (CONN_MAX_AGE) are no substitute under ASGI, where request threads come and go.
    DB_POOL_SIZE = env_int("LIANBAN_DB_POOL_SIZE", 10)
    if DB_POOL_SIZE > 0 and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DB_POOL_SIZE), "max_size": DB_POOL_SIZE,
            "timeout": env_int("LIANBAN_DB_POOL_TIMEOUT_SECONDS", 10),  # waiting for a free connection, then an error
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # parallel workers: see above
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, (options.get("options"), f"-c max_parallel_workers_per_gather={DB_PARALLEL_WORKERS}")))
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "lianban.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at the
                # start of a transaction, so two writers queue instead of failing half way.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file (not :memory:) so a live server process can share it; one per test run.
            "TEST": {"NAME": VAR_DIR / f"test-lianban-{os.getpid()}.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channels and cache ------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# channels-redis waits for a socket's next message with a blocking BZPOPMIN of 5 s; redis-py's own
# read timeout defaults to 5 s too, so an idle socket's read could time out first and the consumer
# died (close 1011). The layer's connections get a read timeout well above the blocking wait.
CHANNEL_LAYER_BLOCKING_WAIT_SECONDS = 5  # channels_redis.core.RedisChannelLayer.brpop_timeout
LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS = env_int("LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS", 30)
if LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS <= CHANNEL_LAYER_BLOCKING_WAIT_SECONDS:
    raise ImproperlyConfigured(
        "LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS must be longer than the channel layer's blocking wait "
        f"({CHANNEL_LAYER_BLOCKING_WAIT_SECONDS} s); got {LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS}"
    )
LIANBAN_CHANNEL_WORKER_CAPACITY = env_int("LIANBAN_CHANNEL_WORKER_CAPACITY", 20_000)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "notifications.layers.RedisChannelLayer",  # channels-redis, with a waiting pool
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": LIANBAN_REDIS_SOCKET_TIMEOUT_SECONDS,
                        "max_connections": env_int("LIANBAN_REDIS_MAX_CONNECTIONS", 100),
                        "timeout": env_int("LIANBAN_REDIS_POOL_WAIT_SECONDS", 20),
                    }
                ],
                "prefix": env_str("LIANBAN_CHANNEL_PREFIX", "lianban"),
                # All the sockets of one daphne worker share one Redis queue ("specific.<worker>!").
                # At the stock capacity of 100 a commit that notified more of its users than that
                # lost the rest (dropped, logged at INFO); the queue holds a burst to every socket.
                "channel_capacity": {"specific.*": LIANBAN_CHANNEL_WORKER_CAPACITY},
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read from Redis (written to the database and Redis): a socket's handshake and the
    # socket's session checks then cost no session query (notifications/auth.py).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The parts of every page that are the same for every user who sees the same entries (the menus, a
# task list's filter), rendered once per worker process under a key of all they depend on
# (agencies/templatetags/lianban.py: menu_key, filter_key); nothing in them is a secret or per user.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "lianban-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# --- auth ---------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account before any password is checked
    # Django's ModelBackend, loading the officer with the session's user (one query a request less).
    # Sessions signed in through "django.contrib.auth.backends.ModelBackend" before it was named here
    # end: those users sign in again once.
    "agencies.backends.OfficerBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LIANBAN_PASSWORD_MIN_LENGTH = env_int("LIANBAN_PASSWORD_MIN_LENGTH", 10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "agencies.passwords.MinimumLengthValidator",  # Django's, with its message in Chinese
        "OPTIONS": {"min_length": LIANBAN_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "agencies.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
# Login throttling (django-axes; agencies/security_log.py writes the security log). After
# LIANBAN_LOGIN_FAILURE_LIMIT failures in a row the account is locked for LIANBAN_LOGIN_COOLOFF_MINUTES.
# Counted per username, wherever the attempts come from: an office behind one NAT shares an address,
# so a lock per IP would shut out every colleague, and username+IP would let a guesser change address.
# Unlock early: `manage.py axes_reset_username <name>`. Attempts while locked are refused without
# checking the password and do not restart the cool-off, so "30 分钟后再试" holds.
LIANBAN_LOGIN_FAILURE_LIMIT = env_int("LIANBAN_LOGIN_FAILURE_LIMIT", 5)
LIANBAN_LOGIN_COOLOFF_MINUTES = env_int("LIANBAN_LOGIN_COOLOFF_MINUTES", 30)
if LIANBAN_LOGIN_FAILURE_LIMIT < 1 or LIANBAN_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LIANBAN_LOGIN_FAILURE_LIMIT and LIANBAN_LOGIN_COOLOFF_MINUTES must be at least 1.")
AXES_FAILURE_LIMIT = LIANBAN_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LIANBAN_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for "ip_address" in the lockout parameters: with it, five typos anywhere behind the office's
# NAT would lock every officer there. Locking the account itself is not bypassed by changing User-Agent or cookies.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "agencies.security_log.lockout_response"
AXES_COOLOFF_MESSAGE = f"登录失败次数过多，账户已锁定，请 {LIANBAN_LOGIN_COOLOFF_MINUTES} 分钟后再试或联系安全管理员解锁"
# The client address: REMOTE_ADDR. Behind a reverse proxy, list its address(es) in LIANBAN_TRUSTED_PROXY
# and the nearest X-Forwarded-For hop that is not one of them counts instead (agencies.security_log.client_ip).
LIANBAN_TRUSTED_PROXY = env_list("LIANBAN_TRUSTED_PROXY", [])
AXES_CLIENT_IP_CALLABLE = "agencies.security_log.client_ip"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous visitors hold no permissions at all

SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends LIANBAN_SESSION_IDLE_MINUTES after its last HTTP request (the expiry is
# moved at most once a minute, agencies.security_log.IdleSessionMiddleware), and when the browser closes.
LIANBAN_SESSION_IDLE_MINUTES = env_int("LIANBAN_SESSION_IDLE_MINUTES", 30)
if LIANBAN_SESSION_IDLE_MINUTES < 2:
    raise ImproperlyConfigured("LIANBAN_SESSION_IDLE_MINUTES must be at least 2.")
LIANBAN_SESSION_REFRESH_SECONDS = 60
SESSION_COOKIE_AGE = LIANBAN_SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env_bool("LIANBAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- security headers ---------------------------------------------------------------------------
# LIANBAN_HTTPS=1: the site is served over HTTPS (directly, or behind a TLS-terminating proxy that
# sets X-Forwarded-Proto, as the nginx example in README.md does). It turns on the redirect to
# https, HSTS and Secure cookies; `manage.py check --deploy` is then clean.
LIANBAN_HTTPS = env_bool("LIANBAN_HTTPS", False)
if LIANBAN_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # only behind a proxy that overwrites it
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-http probe of a worker
    SECURE_HSTS_SECONDS = env_int("LIANBAN_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LIANBAN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("LIANBAN_HSTS_PRELOAD", True)
SESSION_COOKIE_SAMESITE = "Lax"  # links from notifications and e-mail still arrive signed in; POSTs need the CSRF token
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # case URLs never leak to other sites
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Websocket Origins accepted besides the socket's own (config/origins.py). Empty: CSRF_TRUSTED_ORIGINS.
LIANBAN_WS_ALLOWED_ORIGINS = env_list("LIANBAN_WS_ALLOWED_ORIGINS", [])
# Content-Security-Policy (django-csp 4 format). Scripts only from our own static files: no inline
# <script> or on…= handler anywhere. Styles allow 'unsafe-inline': viewflow's templates put style=""
# on elements, its Material web components and Turbo's progress bar insert <style> elements at run
# time, and an inline style cannot run code. connect-src gets ws(s)://<host> per request (config/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve from the apps directly until collectstatic has run
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"  # never served publicly: evidence is downloaded through permission-checked views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
LIANBAN_EVIDENCE_MAX_BYTES = env_int("LIANBAN_EVIDENCE_MAX_BYTES", 200 * 1024 * 1024)
# Archives (.docx, .xlsx, .zip, .ofd) are decompressed and counted before they are accepted: zip bombs stop here.
LIANBAN_UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("LIANBAN_UPLOAD_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
LIANBAN_UPLOAD_MAX_ZIP_ENTRIES = env_int("LIANBAN_UPLOAD_MAX_ZIP_ENTRIES", 10_000)
FILE_UPLOAD_HANDLERS = [
    "casework.uploads.SizeLimitUploadHandler",  # first: past LIANBAN_EVIDENCE_MAX_BYTES nothing is stored
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- REST API (/api/, schema at /api/schema/, docs at /api/docs/) -------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "联办 Lianban API",
    "DESCRIPTION": "案件、移送、通知、督办、联席会议决议与搜索的接口（除“标记通知为已读”外均为只读）；"
    "每个列表只包含当前用户有权查看的记录。这些接口使用登录会话（Cookie）认证：在接口文档页（/api/docs/）点“试用”调用，即以当前登录用户的身份访问。"
    "“接入线索”接口供12393热线、智能监管平台等接入系统推送线索，使用该系统的令牌认证（Authorization: Bearer 令牌），不使用登录会话。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "TAGS": [
        {"name": "案件", "description": "本机关登记办理的案件"},
        {"name": "移送", "description": "涉嫌犯罪案件移送、线索移送等，本机关移出或移入本机关的"},
        {"name": "通知", "description": "当前用户本人的通知"},
        {"name": "督办", "description": "挂牌督办"},
        {"name": "联席会议决议", "description": "联席会议议定事项的落实"},
        {"name": "搜索", "description": "在有权查看的案件、移送和定点医药机构中查找"},
        {"name": "接入线索", "description": "接入系统推送线索、查询其签收情况（令牌认证）"},
    ],
    # /api/docs/ (Swagger UI) from the installed drf-spectacular-sidecar: no CDN, nothing outside script-src 'self'.
    # Choice sets that share a field name across resources ("status", "kind") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "systems.models.LeadStatus",
        "ReferralStatusEnum": "referral.models.ReferralStatus",
        "ReferralKindEnum": "referral.models.ReferralKind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl None: Swagger UI never sends the schema's address to swagger.io's online validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.describe_shared_fields"],
}

# --- audit trail --------------------------------------------------------------------------------
# The audit chain (agencies/audit.py) is keyed with HMAC-SHA256. The key lives OUTSIDE the database:
# whoever can write to the database but lacks the key can neither forge nor re-chain an event.
# Never change it once events are written (every event would then fail verification).
LIANBAN_AUDIT_KEY = env_str("LIANBAN_AUDIT_KEY") or ""
_audit_key_file = env_str("LIANBAN_AUDIT_KEY_FILE")
if _audit_key_file:
    if LIANBAN_AUDIT_KEY:
        raise ImproperlyConfigured("Set LIANBAN_AUDIT_KEY or LIANBAN_AUDIT_KEY_FILE, not both.")
    try:
        LIANBAN_AUDIT_KEY = Path(_audit_key_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"LIANBAN_AUDIT_KEY_FILE {_audit_key_file!r} cannot be read: {exc}") from exc
if not LIANBAN_AUDIT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LIANBAN_AUDIT_KEY (or LIANBAN_AUDIT_KEY_FILE) is not set. Set it (e.g. `openssl rand -hex 32`), "
            "or set LIANBAN_DEBUG=1 for a development key."
        )
    LIANBAN_AUDIT_KEY = f"lianban-development-audit-key:{SECRET_KEY}"  # agencies.audit derives subkeys from it
elif len(LIANBAN_AUDIT_KEY) < 32:
    raise ImproperlyConfigured("LIANBAN_AUDIT_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`).")
# Signed chain heads outside the database (one file per checkpoint plus latest.json); copy them off this host.
LIANBAN_AUDIT_CHECKPOINT_DIR = Path(env_str("LIANBAN_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
LIANBAN_AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("LIANBAN_AUDIT_CHECKPOINT_INTERVAL_SECONDS", 3600)

# --- logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LIANBAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- domain settings (UNCONFIRMED values of domain.md become settings with the documented default) --
# Copy the criminal-transfer letter to the same-level procuratorate (domain §6.3, §10.3 T1: practice, UNCONFIRMED).
LIANBAN_TRANSFER_COPY_TO_PROCURATORATE = env_bool("LIANBAN_TRANSFER_COPY_TO_PROCURATORATE", True)
# Statutory clocks (domain §0). 310 and the police rules count plain 日 as calendar days with
# criminal-procedure counting (start day not counted); a limit ending on a holiday rolls to the next
# working day (刑事诉讼法 Art. 105) — UNCONFIRMED for 310's limits, hence settings.
LIANBAN_CRIMINAL_DAY_UNIT = env_str("LIANBAN_CRIMINAL_DAY_UNIT", "calendar_days")
LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER = env_bool("LIANBAN_CALENDAR_DAY_HOLIDAY_ROLLOVER", True)
LIANBAN_CLOCK_WARN_HOURS_BEFORE_DUE = env_int("LIANBAN_CLOCK_WARN_HOURS_BEFORE_DUE", 24)
LIANBAN_CLOCK_WARN_FRACTION_OF_HOURS = 0.25  # an hours-clock warns when a quarter of it is left
LIANBAN_CLOCK_WORKER_INTERVAL_SECONDS = env_int("LIANBAN_CLOCK_WORKER_INTERVAL_SECONDS", 30)
LIANBAN_CLOCK_WORKER_BATCH = env_int("LIANBAN_CLOCK_WORKER_BATCH", 500)
# Feedback periods of clue referrals (domain §6.7–6.8, UNCONFIRMED): 30 days by default; the
# discipline bodies decide internally, so their feedback is optional (0 = no clock, reminders only).
LIANBAN_CLUE_FEEDBACK_DAYS = env_int("LIANBAN_CLUE_FEEDBACK_DAYS", 30)
LIANBAN_DISCIPLINE_FEEDBACK_DAYS = env_int("LIANBAN_DISCIPLINE_FEEDBACK_DAYS", 0)
LIANBAN_CLUE_DOC_FAMILY = env_str("LIANBAN_CLUE_DOC_FAMILY", "函")
# Replies the bureau owes to referrals it receives (domain §6.5, §6.6c; UNCONFIRMED defaults):
# a reverse transfer is handled on the 15-working-day intake rule, a 检察意见 answered within 2 months.
LIANBAN_REVERSE_TRANSFER_REPLY_WORKING_DAYS = env_int("LIANBAN_REVERSE_TRANSFER_REPLY_WORKING_DAYS", 15)
LIANBAN_PROC_OPINION_REPLY_MONTHS = env_int("LIANBAN_PROC_OPINION_REPLY_MONTHS", 2)
# 上级交办: report within 30 working days (2018 national practice, SECONDARY); 飞行检查移交: progress and
# rectification plan within 30 working days (令第6号); 经办机构移交: the 15-working-day intake rule (UNCONFIRMED).
LIANBAN_ASSIGNED_CLUE_REPORT_WORKING_DAYS = env_int("LIANBAN_ASSIGNED_CLUE_REPORT_WORKING_DAYS", 30)
LIANBAN_FLY_PROGRESS_WORKING_DAYS = env_int("LIANBAN_FLY_PROGRESS_WORKING_DAYS", 30)
# A complex 交办 may run to 3 months with the unit head's approval, an especially major one to 6
# months after collective study (2018 national practice, SECONDARY), counted from receipt.
LIANBAN_ASSIGNED_CLUE_EXTENDED_MONTHS = env_int("LIANBAN_ASSIGNED_CLUE_EXTENDED_MONTHS", 3)
LIANBAN_ASSIGNED_CLUE_MAX_MONTHS = env_int("LIANBAN_ASSIGNED_CLUE_MAX_MONTHS", 6)
# After a 飞行检查移交 is handled, the written report is due within 5 working days (令第6号).
LIANBAN_FLY_FINAL_REPORT_WORKING_DAYS = env_int("LIANBAN_FLY_FINAL_REPORT_WORKING_DAYS", 5)
LIANBAN_AGENCY_HANDOVER_INTAKE_WORKING_DAYS = env_int("LIANBAN_AGENCY_HANDOVER_INTAKE_WORKING_DAYS", 15)
# What each kind of package must hold before it goes out (domain §7; 310 Art. 6). Codes are those of
# referral/package.py; "expert_opinion" (检验报告或鉴定意见) can be added where a province requires it.
LIANBAN_PACKAGE_REQUIREMENTS = {
    "criminal_transfer": ["facts", "investigation_report", "task_force", "parties", "seized_items", "evidence"],
    "health": ["facts", "request", "evidence"],
    "market": ["facts", "request", "evidence"],
    "discipline": ["facts", "request", "persons_involved"],
    "procuratorate": ["facts", "request", "evidence"],
    "settlement_suspension": ["facts", "request"],
}
# While the police handle a transferred case, the fine decision waits for the criminal outcome and
# non-penalty measures go on (common practice, domain §6.3, UNCONFIRMED); edge case 10 resumes it.
LIANBAN_PAUSE_FINE_PENDING_CRIMINAL = env_bool("LIANBAN_PAUSE_FINE_PENDING_CRIMINAL", True)
# 挂牌督办 (domain §9.3, practice, UNCONFIRMED): the 查处方案 within 10 working days of the notice,
# progress reports every month, the 督办时限 aligned with the 交办 rule, and the supervisor's
# escalation ladder after 催办. 文号 families: 督 for the notice, 报 for the handling unit's reports.
LIANBAN_SUPERVISION_PLAN_WORKING_DAYS = env_int("LIANBAN_SUPERVISION_PLAN_WORKING_DAYS", 10)
LIANBAN_SUPERVISION_REPORT_MONTHS = env_int("LIANBAN_SUPERVISION_REPORT_MONTHS", 1)
LIANBAN_SUPERVISION_LADDER = env_list("LIANBAN_SUPERVISION_LADDER", ["约谈", "通报批评", "提级办理"])
LIANBAN_SUPERVISION_NOTICE_DOC_FAMILY = env_str("LIANBAN_SUPERVISION_NOTICE_DOC_FAMILY", "督")
LIANBAN_SUPERVISION_REPORT_DOC_FAMILY = env_str("LIANBAN_SUPERVISION_REPORT_DOC_FAMILY", "报")
# 联席会议纪要 are numbered by issue (期号) in the office's register of this family (GB/T 9704 纪要格式).
LIANBAN_MINUTES_DOC_FAMILY = env_str("LIANBAN_MINUTES_DOC_FAMILY", "纪要")
# The administrative case's clocks (casework.case_clocks, domain §6.1–6.2): whether to file within 15
# working days of receiving the lead (令第4号, SECONDARY); the 90-day decision limit (行政处罚法 Art. 60)
# may be extended by 30 days with the head's approval, then by at most 60 after the heads' collective
# discussion (令第4号 Art. 45, SECONDARY).
LIANBAN_CASE_FILING_WORKING_DAYS = env_int("LIANBAN_CASE_FILING_WORKING_DAYS", 15)
LIANBAN_CASE_DECISION_HEAD_EXTENSION_DAYS = env_int("LIANBAN_CASE_DECISION_HEAD_EXTENSION_DAYS", 30)
LIANBAN_CASE_DECISION_COLLECTIVE_EXTENSION_DAYS = env_int("LIANBAN_CASE_DECISION_COLLECTIVE_EXTENSION_DAYS", 60)
# A real-name reporter is told of the filing decision within 5 working days (令第5号, via official summary).
LIANBAN_REPORTER_NOTICE_WORKING_DAYS = env_int("LIANBAN_REPORTER_NOTICE_WORKING_DAYS", 5)
# 密级 printed on discipline clue letters (domain §6.7, §10.3 T4: "内部" or a 密级 per rules, UNCONFIRMED).
LIANBAN_DISCIPLINE_SECRECY = env_str("LIANBAN_DISCIPLINE_SECRECY", "内部")
# 文号 family code for criminal transfers: "{prefix}移〔{year}〕{n}号" (domain §10.1, project convention).
LIANBAN_TRANSFER_DOC_FAMILY = env_str("LIANBAN_TRANSFER_DOC_FAMILY", "移")
# The other families of the transfer loop (domain §10.2: 复议, 监督建议; 交 for the 交接清单 is a project convention).
LIANBAN_RECONSIDERATION_DOC_FAMILY = env_str("LIANBAN_RECONSIDERATION_DOC_FAMILY", "复议")
LIANBAN_SUPERVISION_DOC_FAMILY = env_str("LIANBAN_SUPERVISION_DOC_FAMILY", "监督建议")
LIANBAN_HANDOVER_DOC_FAMILY = env_str("LIANBAN_HANDOVER_DOC_FAMILY", "交")
LIANBAN_ITEM_LIST_DOC_FAMILY = env_str("LIANBAN_ITEM_LIST_DOC_FAMILY", "物")
# Agreement handling (domain §5.2, edge 14). An institution whose 医保协议 was terminated may not apply for
# designation for 3 years (CONFIRMED for the 2018 notice; whether 令第2号/第3号 keep it is UNCONFIRMED).
# Which of the applicant's identities are matched against terminated institutions is a design choice,
# also UNCONFIRMED (edge 14): "uscc", "legal_representative", "controller" (persons matched by 身份证号码).
LIANBAN_REAPPLICATION_BAR_YEARS = env_int("LIANBAN_REAPPLICATION_BAR_YEARS", 3)
LIANBAN_REAPPLICATION_BAR_MATCH = tuple(
    env_list("LIANBAN_REAPPLICATION_BAR_MATCH", ["uscc", "legal_representative", "controller"])
)
# Practitioners' payment eligibility (医保发〔2024〕23号, SECONDARY, domain §5.3): 9 points in a year suspend it
# for 1–6 months (the default when the 经办机构 does not say); 12 terminate it, with no 再次登记备案 for 1 year,
# or 3 years when the 12 points came from a single event.
LIANBAN_PRACTITIONER_SUSPEND_MONTHS = env_int("LIANBAN_PRACTITIONER_SUSPEND_MONTHS", 1)
LIANBAN_PRACTITIONER_REGISTRATION_BAR_YEARS = env_int("LIANBAN_PRACTITIONER_REGISTRATION_BAR_YEARS", 1)
LIANBAN_PRACTITIONER_SINGLE_EVENT_BAR_YEARS = env_int("LIANBAN_PRACTITIONER_SINGLE_EVENT_BAR_YEARS", 3)
# Statistics (domain §11, counting conventions UNCONFIRMED): which inspection kinds make the seed-003 figure
# "全覆盖"检查定点医药机构 (家). Default: the 全覆盖检查 campaign only; add "daily", "random", "special",
# "flying" to count every inspected institution.
LIANBAN_STATISTICS_FULL_COVERAGE_KINDS = env_list("LIANBAN_STATISTICS_FULL_COVERAGE_KINDS", ["full_coverage"])
# Who reads the count of referrals to the discipline bodies (移送纪检监察机关) in the statistics, by role
# (issue 11, UNCONFIRMED): those referrals are confidential. Default: the bureau's head only.
LIANBAN_STATISTICS_DISCIPLINE_ROLES = env_list("LIANBAN_STATISTICS_DISCIPLINE_ROLES", ["head"])
# 举报奖励 (domain §6.11): which date picks the reward standard, "tip" (the tip-off's registration) or
# "decision" (the latest penalty decision) — UNCONFIRMED, default "tip"; the reporter claims within
# 2 months of being told, or the reward is deemed waived (医保办发〔2022〕22号).
LIANBAN_REWARD_POLICY_DATE = env_choice("LIANBAN_REWARD_POLICY_DATE", "tip", ("tip", "decision"))
LIANBAN_REWARD_CLAIM_MONTHS = env_int("LIANBAN_REWARD_CLAIM_MONTHS", 2)
# 典型案例曝光: a published case whose decision is changed or annulled is withdrawn within 3 working
# days (行政处罚法 Art. 48 says 三日, which Art. 85 counts in working days).
LIANBAN_PUBLICATION_WITHDRAW_WORKING_DAYS = env_int("LIANBAN_PUBLICATION_WITHDRAW_WORKING_DAYS", 3)
# 信用: how long an administrative penalty counts against its subject in the credit records (the credit
# platform's 公示期), in months from the decision — UNCONFIRMED, default 36.
LIANBAN_CREDIT_PENALTY_MONTHS = env_int("LIANBAN_CREDIT_PENALTY_MONTHS", 36)
