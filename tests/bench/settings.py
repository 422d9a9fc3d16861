"""Settings for the routing benchmark: the project's settings with one dispatcher middleware.

`tests.bench.dispatch.BenchDispatchMiddleware` sends `/bench/ours/`, `/bench/stock/` and
`/bench/bare/` through our router, django-tenants' stock middleware or nothing, to one view.
allauth's AccountMiddleware follows it only because allauth refuses to start without it in
MIDDLEWARE; it runs for every variant alike (a few microseconds: a context variable and an
attribute per request).
"""

from config.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
MIDDLEWARE = [
    "tests.bench.dispatch.BenchDispatchMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "tests.bench.urls"
PUBLIC_SCHEMA_URLCONF = "tests.bench.urls"
