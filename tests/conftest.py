"""The fixtures are in tests/fixtures.py (loaded for every test by the root conftest.py); the
helpers stay importable from here."""

from tests.fixtures import (  # noqa: F401
    OWNER_PASSWORD,
    SESSION_TENANTS,
    committed_tenant_for,
    host_of,
    provision_test_tenant,
)
