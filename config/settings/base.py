"""Settings shared by every mode; each value that differs per deployment comes from the
environment (12-factor). Modes: dev (embedded default), test, production."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# SECRET_KEY: no default here. Each mode sets its own (dev: a random key kept in var/; test: a
# random key per run; production: the SECRET_KEY environment variable, required).
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
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
    "template_partials",
    "django_scopes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "accounts",
    "programs",
    "matching",
    "sessions.apps.MentoringSessionsConfig",
    "feedback",
    "dashboards",
]

MIDDLEWARE = [
    "core.tenancy.TenantScopeGuardMiddleware",  # first: no request starts inside a scope
    "core.middleware.HealthCheckMiddleware",  # before host checks and the HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (see "security headers")
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.SecurityHeadersMiddleware",  # Permissions-Policy; no-store signed in
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.navigation",
                "matching.context_processors.status_choices",
            ],
        },
    },
    {  # the fragments of long lists only (core/jinja.py): templates under <app>/jinja2/
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "fragments",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "core.jinja.environment"},
    },
]

#: Form widgets render through Jinja2 (Django ships the same widget templates for it): a
#: select of 20 options took 1.3 ms through the Django template engine, the roster's filter
#: form 8 ms of its page (bench/pages.py). Pages themselves stay Django templates. The admin's
#: widgets have Django templates only: core.form_renderer renders those through the Django
#: engine (Django's plain Jinja2 renderer made the admin's change pages a 500).
FORM_RENDERER = "core.form_renderer.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'flipside.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
#: SQLite serving pages while another thread writes (embedded mode: the after-response email
#: sender, core/after_response.py): a write-ahead log, so readers never block the writer;
#: commits without an fsync each (a crash can lose the last commits, never corrupt the file:
#: 0.15 ms a commit instead of 27 ms here); write transactions that queue for the lock
#: instead of failing. dev.py applies it; bench/import_csv.py too, to measure what it serves.
SQLITE_SERVER_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# --- allauth -------------------------------------------------------------------------------
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Sign-up only for invited addresses and self-sign-up domains (accounts/signup_policy.py).
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins: per IP and per account (allauth keys by IP + login).
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Flipside"
MFA_TOTP_TOLERANCE = 1  # accept the previous and next 30 s code: phone clocks drift

# --- email ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Flipside <no-reply@flipside.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- sessions ------------------------------------------------------------------------------
# Django's database sessions, with the read every signed-in request makes compiled once
# (accounts/session_store.py says why not cached_db on Redis).
SESSION_ENGINE = "accounts.session_store"

# --- cache (rate limits live here) -----------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "flipside_cache",
    }
}

# --- Celery --------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead or frozen broker must fail a publish within about a second, never hang a request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 1,
    "max_retries": 0,
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BEAT_SCHEDULE = {
    "drain-notification-outbox": {
        "task": "core.tasks.drain_notification_outbox",
        "schedule": 60.0,
    },
}

# --- DRF -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.FlipsideAutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Flipside API",
    "DESCRIPTION": "Reverse mentoring programs: organizations, programs, cohorts, matching.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "DEFAULT_GENERATOR_CLASS": "core.schema.ScopeFreeSchemaGenerator",
    # Several models have a "role" or "status" with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "accounts.models.Role",
        "InvitationStatusEnum": "accounts.models.InvitationStatus",
        "ParticipantRoleEnum": "programs.models.ParticipantRole",
        "ParticipantStatusEnum": "programs.models.ParticipantStatus",
        "CohortStatusEnum": "programs.models.CohortStatus",
        "PairStatusEnum": "matching.models.PairStatus",
        "SessionStatusEnum": "sessions.models.SessionStatus",
        "LoggedSessionStatusEnum": "sessions.models.LOGGED_STATUS_CHOICES",
        "GoalStatusEnum": "sessions.models.GoalStatus",
        "PairSideEnum": "sessions.models.PairSide",
        "CommitmentOutcomeEnum": "sessions.models.CommitmentOutcome",
        "CommitmentAnswerEnum": "sessions.models.ANSWER_CHOICES",
    },
}

# --- security headers ----------------------------------------------------------------------
# A strict Content-Security-Policy (django-csp 4): scripts and styles only from our own static
# files, no inline <script>, no inline event handlers, no style="" attributes, no eval (htmx's
# allowEval is off in templates/base.html). Page data reaches scripts via json_script or data-
# attributes. img-src allows data: for Bootstrap's SVG form icons (in its CSS) and the TOTP QR
# code (allauth renders it as a data: URI). /api/docs/ (Swagger UI) runs under the same policy
# (config/urls.py). tests/test_security_headers.py checks every page; the browser tests fail
# on any violation.
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
    },
}
# Powerful browser features this app never uses, denied to every page (Permissions-Policy,
# set by core.middleware.SecurityHeadersMiddleware, with Cache-Control: no-store for every
# signed-in request).
FLIPSIDE_PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# --- end security headers ------------------------------------------------------------------

# --- throttling, client addresses behind proxies, two-factor secrets ------------------------
# Who a request comes from: the number of reverse proxies in front of the app that append to
# X-Forwarded-For (0: trust none, use REMOTE_ADDR), or the header a trusted proxy overwrites
# with the client's address (e.g. X-Real-IP). Sign-in limits (allauth) and the API throttles
# use the same address (accounts.throttles.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default="") or None
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# API throttles (429 with Retry-After): per API token (or session user) per hour and per
# minute, per client address for requests without credentials. Counters live in the default
# cache: the database cache, shared by every gunicorn worker.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "accounts.throttles.ClientRateThrottle",
    "accounts.throttles.ClientBurstRateThrottle",
    "accounts.throttles.AnonymousIPRateThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "user": env("API_THROTTLE_USER", default="2000/hour"),
    "user_burst": env("API_THROTTLE_USER_BURST", default="120/min"),
    "anon": env("API_THROTTLE_ANON", default="60/min"),
}
# TOTP secrets and recovery-code seeds are encrypted (accounts/secret_box.py) with a key
# derived from MFA_ENCRYPTION_KEY, or from SECRET_KEY when it is empty. To rotate, move the
# old value to MFA_ENCRYPTION_FALLBACK_KEYS.
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_ENCRYPTION_KEY = env("MFA_ENCRYPTION_KEY", default="")
MFA_ENCRYPTION_FALLBACK_KEYS = env.list("MFA_ENCRYPTION_FALLBACK_KEYS", default=[])
# --- end throttling, client addresses, two-factor secrets -----------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

FLIPSIDE_DEFAULT_ANONYMITY_K = 5
FLIPSIDE_MIN_ANONYMITY_K = 3
FLIPSIDE_INVITATION_DAYS = 14
FLIPSIDE_SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Personal sign-in links (accounts/login_links.py): the notification kinds whose email carries
# one, and how many hours it works after the email is sent. "login_link" is the fresh link a
# person asks for on the sign-in page or on an expired link's page.
FLIPSIDE_LOGIN_LINK_HOURS = {
    "welcome": 14 * 24,
    "invitation": 14 * 24,
    "application_decision": 14 * 24,
    "pair_introduction": 7 * 24,
    "pair_nudge": 7 * 24,
    "pair_lifecycle": 7 * 24,
    "profile_reminder": 7 * 24,
    "login_link": 2,
}
# Asking for a sign-in link by email: per IP, and per address (or account) asked for.
FLIPSIDE_RATE_LIMITS = {"login_link_request": "10/m/ip,3/10m/key"}

# Main navigation: (label, URL name taking org_slug, roles that see it). Missing URLs are skipped.
FLIPSIDE_NAV = [
    ("Home", "org_home", {"admin", "executive", "member"}),
    ("Programs", "programs:program_list", {"admin"}),
    ("Topics", "programs:topic_list", {"admin"}),
    ("My programs", "programs:my_participations", {"admin", "member"}),
    ("Matching", "matching:run_list", {"admin"}),
    ("My pairs", "matching:my_pairs", {"admin", "member"}),
    ("Settings", "org_settings", {"admin"}),
]
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "core.api_parsers.StrictJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# Import batches (a participant CSV between preview and confirm) live a day: deleted hourly.
CELERY_BEAT_SCHEDULE["delete-expired-import-batches"] = {
    "task": "programs.tasks.delete_expired_import_batches",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["dispatch-stalled-matching-runs"] = {
    "task": "matching.tasks.dispatch_stalled_runs",
    "schedule": 60.0,
}
# Resume pauses whose return date came and close extensions that are over: hourly, because
# each organization's day starts at its own midnight (the task is idempotent).
CELERY_BEAT_SCHEDULE["pairs-lifecycle-daily"] = {
    "task": "matching.tasks.pairs_lifecycle_daily",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["scan-due-commitments"] = {
    "task": "sessions.tasks.scan_due_commitments",
    "schedule": 3600.0,
}
# --- surveys (feedback) ----------------------------------------------------------------------
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "SurveyKindEnum": "feedback.models.SurveyKind",
    "SurveyStatusEnum": "feedback.models.SurveyStatus",
    "QuestionKindEnum": "feedback.models.QuestionKind",
})
# Invitations and the one reminder before a survey closes (feedback.tasks.scan_surveys).
CELERY_BEAT_SCHEDULE["scan-surveys"] = {"task": "feedback.tasks.scan_surveys", "schedule": 900.0}
FLIPSIDE_LOGIN_LINK_HOURS.update({"survey_open": 14 * 24, "survey_reminder": 7 * 24})
FLIPSIDE_NAV[-1:-1] = [("Surveys", "feedback:survey_list", {"admin"}),
                       ("Survey results", "feedback:results_list", {"executive"}),
                       ("My surveys", "feedback:my_surveys", {"admin", "member"})]

# --- check-ins, fit checks and HR alerts (sessions/checkins/) -------------------------------
# Their emails carry a personal sign-in link to the form (or, for HR, to the alert).
FLIPSIDE_LOGIN_LINK_HOURS.update({"check_in_due": 7 * 24, "fit_check": 7 * 24,
                                  "hr_alert": 7 * 24})
FLIPSIDE_NAV[-1:-1] = [("HR alerts", "checkins:hr_alerts_all", {"admin"}),
                       ("My check-ins", "checkins:mine", {"admin", "member"})]
# The fit check, 48 hours after a pair's first session (check-ins come with the reminders).
CELERY_BEAT_SCHEDULE["scan-fit-checks"] = {"task": "sessions.checkins.tasks.scan_fit_checks",
                                           "schedule": 900.0}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "CheckInStatusEnum": "sessions.models.CheckInStatus",
    "CheckInBlockerEnum": "sessions.models.CheckInBlocker",
    "AgendaSetterEnum": "sessions.models.AgendaSetter",
    "FitAnswerEnum": "sessions.models.FitAnswer",
    "AlertKindEnum": "sessions.models.AlertKind",
    "AlertStatusEnum": "sessions.models.AlertStatus",
    "CheckInScaleEnum": "sessions.checkins.api.SCALE",
})

# --- reminders (sessions/reminders.py): one beat scan per kind ------------------------------
# Every 15 minutes: "session soon" 24 h ahead and "the morning of" land within a quarter of an
# hour; a scan that finds nothing new costs a fixed number of queries.
for _kind in ("session_soon", "session_log", "session_rate", "pair_restart", "pair_at_risk",
              "pair_inactive", "check_in_due", "commitment_due", "action_item_due"):
    CELERY_BEAT_SCHEDULE[f"reminders-{_kind}"] = {
        "task": "sessions.reminders.scan_reminders", "schedule": 900.0, "args": (_kind,)}
# The commitment reminder (owner's zone, quiet hours, daily cap) replaces the older scan.
CELERY_BEAT_SCHEDULE.pop("scan-due-commitments", None)
FLIPSIDE_LOGIN_LINK_HOURS.update(dict.fromkeys(
    ("session_soon", "session_log", "session_rate", "pair_restart", "pair_at_risk",
     "pair_inactive", "commitment_due", "action_item_due"), 7 * 24))

# --- dashboards (dashboards/): the executive dashboard and HR analytics ---------------------
FLIPSIDE_NAV[1:1] = [("Dashboard", "dashboards:dashboard", {"admin", "executive"})]
# The weekly digest (dashboards/digest.py): every 15 minutes, the opted-in executives and HR
# admins whose Monday 08:00 has come in their own zone get one task each (one email a week).
CELERY_BEAT_SCHEDULE["weekly-digests"] = {"task": "dashboards.tasks.scan_weekly_digests",
                                          "schedule": 900.0}
