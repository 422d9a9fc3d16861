"""The suite's fixtures, a pytest plugin (the root conftest.py loads it, so tests kept beside
their code — a vertical's own, in cabinet/<vertical>/tests/ — have them too).

Test tenants are provisioned once per session by cloning the pre-migrated template schema,
exactly as production does. Tests run in a transaction that is rolled back; tests that need
committed data (a real worker, a browser) use the `committed_tenant` fixture instead."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from pytest_django import DjangoDbBlocker

from rbac import sms
from tenants.activity import activity_forget
from tenants.models import DeferredTask, Tenant
from tenants.routing import router
from tenants.schema_templates import ensure_templates
from tenants.services import (
    OwnerSpec,
    public_tenant_ensure,
    tenant_destroy,
    tenant_provision,
)
from tenants.tasks_base import SCHEMA_HEADER
from tenants.verticals import vertical_keys
from tests.support.citus import citus_test_database, citus_test_database_drop
from tests.support.fake_twilio import FakeTwilio, fake_twilio

# One cabinet per installed vertical, named for it (hotel, shop, school, …).
SESSION_TENANTS = {key: key for key in vertical_keys()}
OWNER_PASSWORD = "owner-pass-4-tests"


def provision_test_tenant(slug: str, vertical: str = "hotel") -> Tenant:
    return tenant_provision(
        slug=slug,
        name=f"{slug.title()} Test",
        vertical=vertical,
        owner=OwnerSpec(
            email=f"owner@{slug}.example.com", password=OWNER_PASSWORD, email_verified=True
        ),
    )


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: DjangoDbBlocker,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's set-up, except that the test database is always made: tests that only
    use committed data (worker, browser) would otherwise run against the real database."""
    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_")
        citus_workers = citus_test_database(main_database=db_cfg[0][1])
        test_database = connection.settings_dict["NAME"]
        public_tenant_ensure()
        ensure_templates()
        for slug, vertical in SESSION_TENANTS.items():
            provision_test_tenant(slug, vertical)
        connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock():
        # Worker processes and live-server threads may still hold an idle connection.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        teardown_databases(db_cfg, verbosity=0)
        citus_test_database_drop(citus_workers, test_database)


@pytest.fixture(autouse=True)
def _back_to_public() -> Iterator[None]:
    yield
    connection.set_schema_to_public()
    router.forget()
    activity_forget()
    cache.clear()  # the suite's own cache folder: nothing cached in a test outlives it


@pytest.fixture
def hotel(db: None) -> Tenant:
    return Tenant.objects.get(slug="hotel")


@pytest.fixture
def shop(db: None) -> Tenant:
    return Tenant.objects.get(slug="shop")


@pytest.fixture
def school(db: None) -> Tenant:
    return Tenant.objects.get(slug="school")


def host_of(tenant: Tenant) -> str:
    return tenant.domains.get(is_primary=True).domain


@pytest.fixture
def hotel_client(hotel: Tenant) -> Client:
    return Client(HTTP_HOST=host_of(hotel))


@pytest.fixture
def shop_client(shop: Tenant) -> Client:
    return Client(HTTP_HOST=host_of(shop))


@pytest.fixture
def platform_client(db: None) -> Client:
    return Client(HTTP_HOST="localhost")


@contextmanager
def committed_tenant_for(
    django_db_blocker: DjangoDbBlocker, vertical: str = "hotel"
) -> Iterator[Tenant]:
    with django_db_blocker.unblock():
        tenant = provision_test_tenant(f"live-{uuid.uuid4().hex[:8]}", vertical)
        try:
            yield tenant
        finally:
            connection.set_schema_to_public()
            tenant_destroy(tenant=tenant)
            # what it left for later (a digest's countdown) is in public: it goes with it, so the
            # next test on this database (in whatever order -n gives) starts without it
            DeferredTask.objects.filter(
                **{f"options__headers__{SCHEMA_HEADER}": tenant.schema_name}
            ).delete()


@pytest.fixture
def committed_tenant(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Tenant]:
    """A tenant whose rows are really committed (for other processes and threads to see),
    dropped again at the end. Uses no test transaction: do not combine with `db`."""
    with committed_tenant_for(django_db_blocker) as tenant:
        yield tenant


@pytest.fixture(scope="module")
def module_tenant(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Tenant]:
    """`committed_tenant`, shared by the tests of one module."""
    with committed_tenant_for(django_db_blocker) as tenant:
        yield tenant


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run tasks in-process as they are sent (for what a task produces, e.g. an email; the
    worker itself is tested with a real process in tests/tenants/test_worker.py)."""
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


@pytest.fixture
def twilio(settings) -> Iterator[FakeTwilio]:
    """The platform's SMS provider (Twilio's client library), pointed at a local fake."""
    with fake_twilio() as fake:
        settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
        settings.TWILIO_AUTH_TOKEN = "secret-token"
        settings.TWILIO_FROM = "+15005550006"
        settings.TWILIO_API_BASE = fake.url
        sms.provider.cache_clear()
        yield fake
    sms.provider.cache_clear()
