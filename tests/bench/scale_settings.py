"""Settings for `make bench-scale`: the routing bench's settings (one dispatcher middleware, so
routing is measured against bare Django) plus the bench-only tenant app tests.bench.scale_app,
whose migrations the bench rolls across every schema. SCALE_MIGRATION_LEVEL (1 to 4) picks
how many of its migrations the code has."""

import os

from tests.bench.settings import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "tests.bench.scale_app"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench.scale_app"]  # noqa: F405
_LEVEL = os.environ.get("SCALE_MIGRATION_LEVEL", "1")
if _LEVEL in {"2", "3", "4"}:
    MIGRATION_MODULES = {"scale_app": f"tests.bench.scale_app.migrations_v{_LEVEL}"}
# The bench refills the pool itself, in bulk; the on-commit refill after a claim is not wanted.
TENANT_POOL_SIZE = 0
