"""Settings for the provisioning benchmark, padded schema: tests.bench.provisioning_settings plus
the bench-only tenant app tests.bench.padding (25 more tables in every tenant schema)."""

from tests.bench.provisioning_settings import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "tests.bench.padding"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.bench.padding"]  # noqa: F405
