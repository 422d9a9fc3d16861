"""Settings for the provisioning benchmark, real schema: the project's own settings, with
tests.bench.server_timing's middleware in front (it reports where a request's time goes in a
Server-Timing header) and, with KABINET_BENCH_SCHEMA_STEP=migrate, the platform host's URLs from
tests.bench.stock_signup_urls, which makes the unchanged signup create each schema the stock
django-tenants way (CREATE SCHEMA + migrate_schemas) instead of from the pool or a clone."""

import os

from config.settings import *  # noqa: F403

DEBUG = False
MIDDLEWARE = ["tests.bench.server_timing.ServerTimingMiddleware", *MIDDLEWARE]  # noqa: F405

if os.environ.get("KABINET_BENCH_SCHEMA_STEP") == "migrate":
    PUBLIC_SCHEMA_URLCONF = "tests.bench.stock_signup_urls"
