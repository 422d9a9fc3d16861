"""Signups racing each other, with real commits and one database connection per thread."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django_tenants.utils import schema_exists

from tenants.models import Domain, SpareSchema, Tenant
from tenants.pool import pool_refill
from tenants.schema_templates import drop_schema
from tenants.services import OwnerSpec, tenant_destroy, tenant_provision


def provision_in_thread(slug: str, vertical: str = "hotel") -> str:
    try:
        tenant_provision(
            slug=slug,
            name=slug.title(),
            vertical=vertical,
            owner=OwnerSpec(email=f"owner@{slug}.example.com", password="a long passphrase"),
        )
    except ValidationError as exc:
        return f"refused: {exc.messages[0]}"
    finally:
        connections.close_all()
    return "created"


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Real commits; whatever the test made (tenants named race-*, spares) is dropped after."""
    with django_db_blocker.unblock():
        yield
        connection.set_schema_to_public()
        for tenant in Tenant.objects.filter(slug__startswith="race"):
            tenant_destroy(tenant=tenant)
        for spare in SpareSchema.objects.all():
            drop_schema(spare.schema_name)
            spare.delete()


def test_two_signups_racing_for_one_address_exactly_one_wins(committed):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(provision_in_thread, ["race-one", "race-one"]))
    assert sorted(results) == ["created", "refused: This address is already taken."]
    assert Tenant.objects.filter(slug="race-one").count() == 1
    assert Domain.objects.filter(domain="race-one.localhost").count() == 1


def test_twenty_concurrent_signups_all_succeed_and_leave_nothing_half_made(committed):
    pool_refill(vertical="hotel", size=5)  # some claim spares, the rest clone
    slugs = [f"race-{n:02d}" for n in range(20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(provision_in_thread, slugs))
    assert results == ["created"] * 20
    tenants = Tenant.objects.filter(slug__in=slugs)
    assert tenants.count() == 20
    assert all(schema_exists(t.schema_name) for t in tenants)
    assert not SpareSchema.objects.filter(vertical="hotel").exists()  # all five were claimed
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'race%%' OR nspname LIKE 'spare%%'"
        )
        schemas = {row[0] for row in cursor.fetchall()}
    assert schemas == {t.schema_name for t in tenants}  # no orphan schema
