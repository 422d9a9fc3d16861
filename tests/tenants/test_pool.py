import pytest
from django.db import connections
from django_tenants.utils import schema_exists, tenant_context

from cabinet.catalog.models import CatalogItem
from tenants.models import SpareSchema
from tenants.pool import pool_refill, pool_status
from tenants.schema_templates import template_version
from tenants.verticals import vertical_keys
from tests.conftest import provision_test_tenant


def test_refill_fills_each_vertical_to_the_target(db):
    reports = pool_refill(size=1)
    assert {r.vertical: r.ready for r in reports} == dict.fromkeys(vertical_keys(), 1)
    assert pool_status()["hotel"] == {"ready": 1, "stale": 0}
    spare = SpareSchema.objects.get(vertical="hotel")
    assert schema_exists(spare.schema_name)
    # refilling again adds nothing
    assert all(r.created == 0 for r in pool_refill(size=1))


def test_a_signup_claims_a_spare_instead_of_cloning(db, monkeypatch):
    pool_refill(vertical="hotel", size=1)
    spare = SpareSchema.objects.get(vertical="hotel")

    def no_clone(*args, **kwargs):
        raise AssertionError("a spare was ready: provisioning must not clone")

    monkeypatch.setattr("tenants.services.clone_into_place", no_clone)
    tenant = provision_test_tenant("pooled", "hotel")
    assert not SpareSchema.objects.exists()
    assert not schema_exists(spare.schema_name)
    assert tenant.events.get().detail["from_pool"] is True
    with tenant_context(tenant):
        assert CatalogItem.objects.filter(name="Bottle of champagne").exists()


def test_an_empty_pool_falls_back_to_cloning(db):
    tenant = provision_test_tenant("cloned", "shop")
    assert tenant.events.get().detail["from_pool"] is False
    with tenant_context(tenant):
        assert CatalogItem.objects.filter(name="Gift card").exists()


def test_spares_of_an_old_template_are_discarded_never_handed_out(db):
    pool_refill(vertical="school", size=1)
    stale = SpareSchema.objects.get(vertical="school")
    SpareSchema.objects.filter(pk=stale.pk).update(template_version="old-deploy")
    assert pool_status()["school"] == {"ready": 0, "stale": 1}
    tenant = provision_test_tenant("afterdeploy", "school")
    assert tenant.events.get().detail["from_pool"] is False  # the stale one was not used
    report = pool_refill(vertical="school", size=1)[0]
    assert (report.discarded, report.created) == (1, 1)
    assert not schema_exists(stale.schema_name)
    assert SpareSchema.objects.get().template_version == template_version("school")


@pytest.mark.parametrize("vertical", vertical_keys())
def test_each_vertical_gets_its_own_starter_catalog(db, vertical):
    tenant = provision_test_tenant(f"starter-{vertical}", vertical)
    with tenant_context(tenant):
        assert CatalogItem.objects.exists()


def test_two_refills_of_one_vertical_never_run_at_once(db):
    # given another worker holds the hotel pool's lock
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('kabinet-pool-hotel'))")
        # when this one refills, it leaves hotel alone and does the rest
        reports = pool_refill(size=1)
        assert {r.vertical for r in reports} == set(vertical_keys()) - {"hotel"}
        assert not SpareSchema.objects.filter(vertical="hotel").exists()
    finally:
        other.close()
