"""Kabinet's one settings module. Everything that differs between machines comes from the
environment; README.md lists every variable. There are no production-only settings files."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.devstack import read_dotenv
from config.production import DEVELOPMENT_SECRET_KEY
from config.schema_names import EnumNames

BASE_DIR = Path(__file__).resolve().parent.parent
# Development: a .env at the root (see .env.example) fills in what the real environment does not
# set; it never overrides a variable that is already set. Production has no such file.
read_dotenv(BASE_DIR / ".env")
DATA_DIR = Path(environ.Env().str("KABINET_DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env()

# DEBUG off is production: config/wsgi.py and asgi.py refuse to serve without a real SECRET_KEY,
# ALLOWED_HOSTS, PLATFORM_DOMAIN and HSTS (config/production.py).
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# The platform's own host: the landing page, signup and the control panel live there; every
# tenant is <slug>.<PLATFORM_DOMAIN>. `*.localhost` resolves to 127.0.0.1 in browsers and curl.
PLATFORM_DOMAIN = env.str("PLATFORM_DOMAIN", default="localhost").lower()
# The tenant router (tenants.routing) is the real host check: an unknown host gets a 404 page.
# Django still rejects malformed Host headers with a 400 whatever this list says.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG and PLATFORM_DOMAIN != "localhost")
# How many reverse proxies of ours stand in front of the server (a TLS proxy: 1). The client's
# address is the one the outermost of them saw (tenants.client_address.client_ip); with 0, every
# X-Forwarded-For a client sends is ignored. Rate limits, lockouts, throttles, the audit log and
# gunicorn (docker/gunicorn.conf.py) all read it so.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Apps: SHARED live in `public`, TENANT are created in every tenant schema -----------------
SHARED_APPS = [
    "tenants",  # before django_tenants: our create_tenant/delete_tenant commands win
    "django_tenants",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rbac",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# Identity lives in each schema: a tenant's clients and staff, their email addresses, second
# factors, sessions and API tokens exist only there (platform admins only in `public`).
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "rbac",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # Each cabinet's own OAuth apps (the owner's client ids), and its clients' linked logins.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework.authtoken",
    "cabinet",
    # Vertical modules (cabinet.verticals): tables in every schema, pages on their vertical only.
    "cabinet.hotel",
    "cabinet.shop",
    "cabinet.school",
    "cabinet.clinic",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

PUBLIC_SCHEMA_NAME = "public"
TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# Set `search_path` once per connection and tenant, not on every cursor.
TENANT_LIMIT_SET_CALLS = True
# Every new tenant schema is cloned from this pre-migrated template (tenants.schema_templates).
TENANT_TEMPLATE_SCHEMA = env.str("TENANT_TEMPLATE_SCHEMA", default="tpl_base")
# Spare schemas kept ready per vertical (tenants.pool); signup renames one instead of cloning.
TENANT_POOL_SIZE = env.int("TENANT_POOL_SIZE", default=2)
# Dotted path to a callable returning the DNS resolver custom-domain checks use (tests inject one).
TENANT_DOMAIN_RESOLVER = env.str("TENANT_DOMAIN_RESOLVER", default="")
# Days an archived tenant's schema is kept before it may be purged.
TENANT_PURGE_RETENTION_DAYS = env.int("TENANT_PURGE_RETENTION_DAYS", default=30)
# Per-tenant backups (tenants.backup): kept here, BACKUP_KEEP per tenant, and shipped to an
# S3-compatible bucket when BACKUP_S3_BUCKET is set (credentials: the usual AWS_* variables).
BACKUP_DIR = env.str("BACKUP_DIR", default=str(DATA_DIR / "backups"))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
BACKUP_S3_BUCKET = env.str("BACKUP_S3_BUCKET", default="")
BACKUP_S3_ENDPOINT_URL = env.str("BACKUP_S3_ENDPOINT_URL", default="")
BACKUP_S3_REGION = env.str("BACKUP_S3_REGION", default="")
# Where exports of archived tenants are kept (never served over HTTP).
TENANT_EXPORT_DIR = env.str("TENANT_EXPORT_DIR", default=str(DATA_DIR / "exports"))
# How often a process re-reads the routing version key from the shared cache (seconds).
TENANT_ROUTING_RECHECK_SECONDS = env.float("TENANT_ROUTING_RECHECK_SECONDS", default=1.0)

MIDDLEWARE = [
    # First: every log line of the request carries its id; every request is timed (/metrics).
    "tenants.logs.RequestIdMiddleware",
    "tenants.metrics.RequestMetricsMiddleware",
    # Pages, stylesheets and scripts travel compressed (a first load under 200 KB, issue 18);
    # Django pads each gzip stream at random against BREACH-style guessing of tokens.
    "django.middleware.gzip.GZipMiddleware",
    # Static files need no tenant: served before routing, so every page (even "no such
    # cabinet") has its stylesheet.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rbac.middleware.UserSessionsMiddleware",  # allauth's tracking, as often as the idle clock
    "rbac.middleware.LanguageMiddleware",
    "cabinet.middleware.ImpersonationMiddleware",  # an expired impersonation ends before idling
    "cabinet.middleware.ClientActivityMiddleware",
    "rbac.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rbac.middleware.FormErrorStatusMiddleware",  # allauth's forms with errors are a 400
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# --- Content-Security-Policy: our own origin only, no inline script or style ----------------
# Pages carry no <script> or <style> of their own (the branding is /branding.css, htmx runs with
# eval and its inline indicator styles off); only the API's Redoc page relaxes style-src, as
# Redoc injects its styles at runtime. Set CSP_REPORT_ONLY to try a change without enforcing it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.platform",
                "cabinet.context_processors.cabinet",
                "rbac.context_processors.sessions_offer",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database -------------------------------------------------------------------------------
# `make run` / `make test` start an embedded PostgreSQL and set DATABASE_URL when it is unset.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/kabinet", engine=None
    )
}
# django-tenants' backend with the search path set per transaction behind a transaction-mode
# pooler, and connections recycled after touching many schemas (tenants/postgresql_backend).
DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# "transaction" when DATABASE_URL points at PgBouncer in transaction mode (README: Running at
# scale); `KABINET_POOLER=pgbouncer make run` sets it. Empty: a direct or session-mode connection.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty, session or transaction")
# Server-side cursors live in a session: off behind a transaction-mode pooler (Django's advice).
DISABLE_SERVER_SIDE_CURSORS = DATABASE_POOLER == "transaction"
# A backend keeps the catalog entries of every schema it touched (~0.13 MB each, measured by
# `make bench-scale`): a connection that touched more schemas than this is closed at the end of
# its request or task, which bounds one backend at ~30 MB of private memory (0: never).
TENANT_SCHEMAS_PER_CONNECTION = env.int("TENANT_SCHEMAS_PER_CONNECTION", default=200)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "TEST_DATABASE_NAME", default="test_" + DATABASES["default"]["NAME"]
)
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: tenant-prefixed keys by default, one un-prefixed alias for platform-wide keys ------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    _cache_backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
else:
    # No Redis: a file cache under .data/ is still shared by every process on the machine, which
    # the cross-process routing invalidation needs.
    _cache_backend = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="kabinet")
CACHES = {
    # Keys are "<schema>:<prefix>:<version>:<key>": a value cached in one tenant is invisible
    # to every other tenant.
    "default": {
        **_cache_backend,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    },
    "platform": {**_cache_backend, "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:platform"},
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "rbac.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row in each schema
# Argon2id at OWASP's parameters (rbac/hashers.py says why not Django's).
PASSWORD_HASHERS = [
    "rbac.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# ASVS 5.0 V6.2 (docs/security.md): at least 8 characters and no maximum, no composition rules
# (so no NumericPasswordValidator: weak all-digit passwords are in the common and breached
# lists), not built of the context's words, not common, not known from a breach.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "rbac.passwords.ContextWordsValidator"},
    {"NAME": "rbac.passwords.BreachedPasswordValidator"},
]
# A k-anonymity range service in the "Pwned Passwords" style (rbac.passwords): only the first 5
# characters of the password's SHA-1 are sent. Empty: the breached-password check is off.
PWNED_PASSWORDS_URL = env.str(
    "PWNED_PASSWORDS_URL", default="https://api.pwnedpasswords.com/range/"
)
# A range service on loopback (a self-hosted mirror in development, the tests' fake).
PWNED_PASSWORDS_ALLOW_PRIVATE = DEBUG
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cabinet:home"
LOGOUT_REDIRECT_URL = "cabinet:home"

# --- django-allauth: accounts, second factors and sessions in every tenant -------------------
ACCOUNT_ADAPTER = "rbac.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "rbac.forms.LoginForm",
    "signup": "rbac.forms.SignupForm",
    "add_email": "rbac.forms.AddEmailForm",
    "change_email": "rbac.forms.ChangeEmailForm",
    "request_login_code": "rbac.forms.RequestLoginCodeForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Sign in by email or by a verified phone, with the password or a one-time code (by email, or
# by SMS to the phone); the phone is optional at signup and verified by a code before it counts.
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# ASVS 6.3.3 (docs/security.md): a password alone does not sign in on a browser not seen before.
# It is followed by a one-time code (email, or SMS for a phone-only client) unless the person
# has an authenticator app or passkey (then that is asked); after the code the person may trust
# the browser for 14 days (allauth's trust cookie, void once the password or a factor changes).
# A code sign-in is itself possession of a verified channel. Off only for the test suite's
# cabinets (tests/settings.py); tests of the rule turn it on.
SIGN_IN_NEW_BROWSER_CODE = env.bool("SIGN_IN_NEW_BROWSER_CODE", default=True)
ACCOUNT_LOGIN_BY_CODE_REQUIRED = {"password"} if SIGN_IN_NEW_BROWSER_CODE else False
ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED = True
# Staff must use a second factor (the owner's "staff must use two-factor", on by default): one
# without a factor is sent to set one up, on every door. Off only for the test suite's cabinets.
STAFF_TWO_FACTOR_DEFAULT = env.bool("STAFF_TWO_FACTOR_DEFAULT", default=True)
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
# Six digits, as phones suggest from an SMS: three tries per code, a code lives three minutes
# (fifteen for a phone's verification), and codes are requested at most 3 a minute per number.
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_CONFIRMATION_HMAC = False  # keys per cabinet (rbac.adapters), not a signed id
ACCOUNT_CHANGE_EMAIL = True  # a new address is verified before it replaces the old one
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# A new password keeps this browser signed in and signs out every other one (Django's session
# hash; rbac.receivers also deletes their rows and says so), and ends the API tokens.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Adding or changing an email or phone, removing the phone and setting a password ask for the
# password (or a code) again when the last proof is older than five minutes (ASVS 7.5.1).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "rbac.tokens.TenantPasswordResetTokenGenerator"  # noqa: S105
ACCOUNT_SESSION_REMEMBER = None
# Brute force: at most 5 failed sign-ins per account in 5 minutes, 10 a minute per address;
# a successful password reset (the "unlock" email) clears the account's count. Every door counts
# here: the sign-in page, a login code's or a second factor's wrong answers, and the API's token
# (rbac.sign_in). The address is the client's behind TRUSTED_PROXY_COUNT proxies (the adapter).
# A phone change is 2 a minute per person (allauth: 1), because the attempt that re-authentication
# stops counts as well as the one it resumes; each still sends at most one text.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key", "change_phone": "2/m/user"}
# Sign-in providers (Google, GitLab, any OpenID Connect issuer) are the owner's, per cabinet
# (rbac.oauth). A provider's email is never used to take over an existing account: the person
# signs in first and then links the provider. No provider tokens are kept.
SOCIALACCOUNT_ADAPTER = "rbac.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# An issuer's address is fetched by the server: private and loopback addresses are refused
# unless this is set (tests and `make run` talk to a local fake).
OAUTH_ALLOW_PRIVATE_ISSUERS = env.bool("OAUTH_ALLOW_PRIVATE_ISSUERS", default=DEBUG)
# Outgoing webhooks to loopback and private addresses (and plain http): development and tests.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=DEBUG)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = PLATFORM_DOMAIN == "localhost"
MFA_TOTP_ISSUER = "Kabinet"
MFA_TOTP_TOLERANCE = 0  # ASVS 6.5.5: a code is good for its own 30-second step only
MFA_ADAPTER = "rbac.adapters.MFAAdapter"
USERSESSIONS_TRACK_ACTIVITY = True
# "Sign out other sessions" also revokes the person's API tokens (rbac.adapters).
USERSESSIONS_ADAPTER = "rbac.adapters.UserSessionsAdapter"
# An API token (DRF's authtoken, api.auth.ExpiringTokenAuthentication) lives this long after it
# was issued; a password change, a deactivation or "sign out other sessions" ends it sooner.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24 * 30)
# Default idle timeout (a tenant changes its own in rbac.SecurityPolicy) and absolute lifetime.
SESSION_IDLE_MINUTES_DEFAULT = env.int("SESSION_IDLE_MINUTES_DEFAULT", default=15)
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_HOURS", default=12) * 3600

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587/?tls=True ; unset: files under .data/mail (open them to
# read what a cabinet sent, e.g. a verification link, during `make run`).
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
# Seconds an SMTP exchange may take: a notification's task must finish inside its sending lease
# (cabinet/notifications/services.py), so a hung server fails the attempt instead of outliving
# the lease.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# /health/ details (checks, workers, queue, pool) for a monitor sending `X-Health-Token: <it>`;
# unset, only platform admins see them. Everyone else gets "ok" or "down".
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
# A scraper sending `Authorization: Bearer <it>` reads /metrics (platform admins may too).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Business signups (page and API): attempts per client address an hour, cabinets per owner's
# email address a day (tenants.signup).
SIGNUP_PER_CLIENT_PER_HOUR = env.int("SIGNUP_PER_CLIENT_PER_HOUR", default=10)
SIGNUP_PER_ADDRESS_PER_DAY = env.int("SIGNUP_PER_ADDRESS_PER_DAY", default=3)
# Telegram Bot API: the bot's token, and the API's address (tests point it at a local fake).
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_API_BASE = env.str("TELEGRAM_API_BASE", default="https://api.telegram.org")
# A Bot API server on loopback (a self-hosted one, the tests' fake) passes the egress guard.
TELEGRAM_ALLOW_PRIVATE = env.bool("TELEGRAM_ALLOW_PRIVATE", default=DEBUG)
# Machine translation of the owner's texts (cabinet.content.machine_translation): "none"
# (the editors offer no suggestion) or "libretranslate" (its /translate API, self-hostable) at
# this address.
MACHINE_TRANSLATION_BACKEND = env.str("MACHINE_TRANSLATION_BACKEND", default="none")
MACHINE_TRANSLATION_URL = env.str("MACHINE_TRANSLATION_URL", default="")
MACHINE_TRANSLATION_API_KEY = env.str("MACHINE_TRANSLATION_API_KEY", default="")
# A translation server on loopback (a self-hosted one, the tests' fake) passes the egress guard.
MACHINE_TRANSLATION_ALLOW_PRIVATE = env.bool("MACHINE_TRANSLATION_ALLOW_PRIVATE", default=DEBUG)
# SMS through Twilio (rbac.sms); unset, SMS is not offered. TWILIO_API_BASE points tests at a
# local fake.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
SMS_DEFAULT_REGION = env.str("SMS_DEFAULT_REGION", default="RU")  # for numbers typed without +
# Stripe (billing.gateway). Unset STRIPE_API_KEY, the platform takes no payments: tenants stay on
# their trial or the default plan. STRIPE_API_BASE points the library at another server: tests and
# `make run` use a local fake Stripe (tests.support.fake_stripe), never the real one.
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Stripe signs events of connected accounts (clients' card payments) with the Connect endpoint's
# own secret; unset, they are checked against STRIPE_WEBHOOK_SECRET.
STRIPE_CONNECT_WEBHOOK_SECRET = env.str("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
STRIPE_WEBHOOK_MAX_BYTES = 256 * 1024
# A new tenant's trial (no card needed) and the dunning clock after a failed payment: past due
# for this many days, then a grace period, then read-only, then suspended.
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
BILLING_TRIAL_PLAN = env.str("BILLING_TRIAL_PLAN", default="business")
BILLING_PAST_DUE_DAYS = env.int("BILLING_PAST_DUE_DAYS", default=3)
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
BILLING_READ_ONLY_DAYS = env.int("BILLING_READ_ONLY_DAYS", default=14)
# Web push: the VAPID key pair's private half (PEM, or its base64url raw form). Unset, one is made
# once in the data folder (cabinet.notifications.push.vapid). Endpoints must be https
# addresses of a known push service, except where tests point them at a local fake one.
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:push@kabinet.example")
PUSH_ALLOW_LOCAL_ENDPOINTS = env.bool("PUSH_ALLOW_LOCAL_ENDPOINTS", default=False)
# The browsers' push services (a host or its subdomains): nothing else is ever POSTed to.
PUSH_SERVICE_HOSTS = env.list(
    "PUSH_SERVICE_HOSTS",
    default=["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com",
             "notify.windows.com"],
)  # fmt: skip
# The port links in emails carry when the site is not on 80/443 (`make run`: 8000).
PUBLIC_PORT = env.str("PUBLIC_PORT", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"no-reply@{PLATFORM_DOMAIN}")

# Sessions live in each tenant's schema; cookies are host-only (no Domain attribute), so a
# session of one tenant means nothing on another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sent only on HTTPS responses; production refuses to start with it 0 (config/production.py).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    # `__Host-` cookies must be Secure, Path=/ and carry no Domain: browsers enforce host-only.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if TRUSTED_PROXY_COUNT > 0:
        # TLS ends at our proxy, which says so; without one, nobody's X-Forwarded-Proto counts.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # a load balancer's probe may come over plain HTTP
    # Every cabinet is a subdomain on the platform's wildcard certificate: all of them are HTTPS.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("de", "Deutsch"), ("ar", "العربية")]
# Ours first; then allauth's messages reworded where its catalogue falls short (German «Sie»,
# config/locale/formal_de.py), still above allauth's own. makemessages writes only to the first.
LOCALE_PATHS = [BASE_DIR / "config" / "locale", BASE_DIR / "config" / "locale" / "allauth"]
FORMAT_MODULE_PATH = ["config.formats"]  # date styles per language: config/formats/<lang>/
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "frontend_templates" / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the source folders: no collectstatic step
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # files land under MEDIA_ROOT/<schema>/
STORAGES = {
    "default": {"BACKEND": "tenants.storage.TenantMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery ---------------------------------------------------------------------------------
# With REDIS_URL: Redis. Without: kombu's filesystem transport under .data/broker, which needs no
# server, survives restarts (queued messages are files) and supports the broadcast `ping` used
# by /health/. CELERY_BROKER_URL overrides both (e.g. amqp:// for RabbitMQ). The filesystem queue
# runs through config.broker, which writes each file whole and claims it by an atomic rename (the
# stock transport lets a consumer read a file another process is still writing).
BROKER_DIR = Path(env.str("KABINET_BROKER_DIR", default=str(DATA_DIR / "broker")))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,  # seconds between looks at the folder
    }
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
    # RabbitMQ, production's broker (chosen by `make chaos`, README "Operations"): a quorum queue
    # is replicated and written to disk, and a task a killed worker held comes back at once,
    # when its connection drops. Publishing waits for the broker's confirmation. Short waits
    # (≤ 30 s) use RabbitMQ's native delayed delivery; longer ones are kept in the database
    # (tenants.models.DeferredTask).
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
    CELERY_TASK_DEFAULT_EXCHANGE_TYPE = "topic"  # native delayed delivery needs a topic exchange
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
elif CELERY_BROKER_URL.startswith("redis"):
    # A task a killed worker held comes back only after the visibility timeout, and one that runs
    # longer than it is delivered twice: it must exceed the longest task (backups: 1 h). Waits
    # longer than 30 s never reach the broker (tenants.models.DeferredTask).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3900}
# Extra task modules for the worker to import (the test suite adds its probe tasks this way).
CELERY_IMPORTS = env.list("CELERY_IMPORTS", default=[])
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="kabinet")
CELERY_TASK_ACKS_LATE = True  # our tasks are idempotent; a worker lost mid-task retries it
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Wall-clock schedules (crontab, in UTC), not intervals that drift with every restart. The
# nightly work of a cabinet (purges, audit pruning, expiring points, gauges, backups) runs at
# 03:00 on the cabinet's own clock (Tenant.time_zone): its `…_everywhere` task runs hourly and
# reaches the cabinets whose night it is (tenants.tasks_base.NIGHT_HOUR).
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "refill-warm-pool": {"task": "tenants.pool_refill", "schedule": crontab()},
    # Waits longer than 30 s are kept in the database and sent from here when due.
    "release-deferred-tasks": {"task": "tenants.release_deferred", "schedule": 5.0},
    "purge-due-accounts": {
        "task": "rbac.purge_due_accounts_everywhere",
        "schedule": crontab(minute=10),
    },
    "prune-audit-logs": {
        "task": "rbac.prune_audit_logs_everywhere",
        "schedule": crontab(minute=20),
    },
    "reminders": {"task": "cabinet.send_reminders_everywhere", "schedule": crontab(minute="*/15")},
    "expire-points": {"task": "cabinet.expire_points_everywhere", "schedule": crontab(minute=30)},
    "report-gauges": {"task": "cabinet.report_gauges_everywhere", "schedule": crontab(minute=40)},
    "backup-tenants": {"task": "tenants.backup_all", "schedule": crontab(minute=0)},
    # Usage reaches Stripe within a minute; dunning and trials are checked hourly; the ledger is
    # reconciled against Stripe's meter summaries nightly (Stripe's day is UTC).
    "billing-flush-usage": {"task": "billing.flush_usage", "schedule": 30.0},
    "billing-dunning": {"task": "billing.advance_dunning", "schedule": crontab(minute=5)},
    # Stripe events still pending after a few minutes are applied again, stuck ones reported.
    "billing-sweep-stripe-events": {"task": "billing.sweep_stripe_events", "schedule": crontab()},
    "billing-reconcile": {
        "task": "billing.reconcile_usage",
        "schedule": crontab(hour=2, minute=15),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",  # documents every operation's errors
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Token first: a bad or foreign token is a 401 that says "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ExpiringTokenAuthentication",
        "api.auth.ApiKeyAuthentication",
        "api.auth.StaffSessionAuthentication",
    ],
    # Throttles key on the client behind our proxies (api.auth.ClientAddressThrottle), never on
    # the whole of a client-written X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.ApiKeyThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cabinet.rest.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF throttles are not the brute-force guard (django-allauth's login limits are); they
    # keep the token endpoint from being a faster door than the sign-in page.
    "DEFAULT_THROTTLE_RATES": {"api_token": env.str("API_TOKEN_RATE", default="10/min")},
}
# Requests per API key, by the cabinet's plan (api.auth.ApiKeyThrottle).
API_KEY_RATES = {
    "free": env.str("API_KEY_RATE_FREE", default="60/min"),
    "start": env.str("API_KEY_RATE_START", default="300/min"),
    "business": env.str("API_KEY_RATE_BUSINESS", default="1200/min"),
}
API_KEY_RATE_DEFAULT = env.str("API_KEY_RATE_DEFAULT", default="60/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Kabinet API",
    "DESCRIPTION": "The API of one Kabinet cabinet (tenant) or of the platform, by host. "
    "Bodies are JSON. Errors are JSON too: `detail`, or each field's messages for a 400. "
    "400: the request is malformed, fix it. 409: it is well-formed but the cabinet's present "
    "state refuses it (sold out, too late, not enough balance); `detail` says why.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response bodies as separate components: a request's required, non-blank
    # fields are said as such (minLength), and read-only fields are left out of requests.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # a cabinet's schema shows its own vertical's endpoints only (api/schema.py)
    "PREPROCESSING_HOOKS": ["api.schema.vertical_endpoints"],
    # each cabinet's own fields, typed in its schema (api/custom_fields.py)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.custom_fields.schema_hook",
    ],
    # the core's; each vertical adds its own models' in its AppConfig (config/schema_names.py)
    "ENUM_NAME_OVERRIDES": EnumNames(
        {
            "OrderStatusEnum": "cabinet.orders.models.Order.Status",
            "BookingStatusEnum": "cabinet.bookings.models.Booking.Status",
        }
    ),
}

# --- Observability --------------------------------------------------------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
# The release events and traces are filed under (the image sets it to its git commit).
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="") or None
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        release=SENTRY_RELEASE,
    )

# To stdout; in production one JSON object per line with the request's id and the cabinet's
# schema (tenants.logs), in development the same fields as plain text.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tenants.logs.ContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(tenant)s %(request_id)s]: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message", "tenant", "request_id"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},  # the library logs every request at INFO
    },
}
