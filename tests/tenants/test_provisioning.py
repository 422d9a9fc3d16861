import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists, tenant_context

from cabinet.branding.models import Branding
from rbac.models import User
from tenants.models import Domain, Tenant
from tenants.schema_templates import (
    TemplateOutOfDate,
    build_base_template,
    clone_template,
    ensure_template,
    migration_drift,
)
from tenants.services import OwnerSpec, tenant_provision
from tenants.signals import tenant_provisioned

OWNER = OwnerSpec(email="boss@sunrise.example.com", password="a-long-owner-passphrase")


def test_provisioning_clones_the_template_without_running_migrations(db, monkeypatch):
    # given: running a migration at provisioning time would fail the test
    def no_migrations(*args, **kwargs):
        raise AssertionError("provisioning must clone, not migrate")

    monkeypatch.setattr("tenants.schema_templates.call_command", no_migrations)
    # when
    tenant = tenant_provision(slug="Sunrise", name="Sunrise Hotel", vertical="hotel", owner=OWNER)
    # then
    assert tenant.slug == "sunrise"
    assert Domain.objects.get(tenant=tenant).domain == "sunrise.localhost"
    assert migration_drift(tenant.schema_name) == []
    with tenant_context(tenant):
        owner = User.objects.get()
        assert owner.email == OWNER.email
        assert owner.check_password(OWNER.password)
        assert Branding.objects.get().display_name == "Sunrise Hotel"


@pytest.mark.parametrize(
    "slug",
    [
        "ab",
        "a" * 41,
        "-hotel",
        "hotel-",
        "ho_tel",
        "hôtel",
        "xn--80ak6aa92e",
        "WWW",
        "Admin",
        "h😀tel",
        "<b>x</b>",
    ],
)
def test_a_bad_slug_is_refused_and_creates_nothing(db, slug):
    before = Tenant.objects.count()
    with pytest.raises(ValidationError):
        tenant_provision(slug=slug, name="X", vertical="shop", owner=OWNER)
    assert Tenant.objects.count() == before


def test_a_taken_slug_is_refused_in_any_case(db, hotel):
    with pytest.raises(ValidationError, match="already taken"):
        tenant_provision(slug="HOTEL", name="Copy", vertical="hotel", owner=OWNER)


def test_a_failure_while_setting_up_leaves_nothing_behind(db):
    def broken_receiver(**kwargs):
        raise RuntimeError("receiver failed")

    tenant_provisioned.connect(broken_receiver, dispatch_uid="broken")
    try:
        with pytest.raises(RuntimeError):
            tenant_provision(slug="halfmade", name="Half", vertical="shop", owner=OWNER)
    finally:
        tenant_provisioned.disconnect(dispatch_uid="broken")
    assert not Tenant.objects.filter(slug="halfmade").exists()
    assert not Domain.objects.filter(domain="halfmade.localhost").exists()
    assert not schema_exists("halfmade")


@pytest.fixture
def stale_template(django_db_setup, django_db_blocker):
    """Template rebuilds drop tables, which PostgreSQL refuses inside the test transaction."""
    with django_db_blocker.unblock():
        yield "tpl_stale"
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS tpl_stale CASCADE")
            cursor.execute("DROP SCHEMA IF EXISTS clone_of_stale CASCADE")


def test_a_template_behind_the_code_refuses_to_be_cloned_and_is_rebuilt(stale_template):
    # given a template that lost a migration
    build_base_template("tpl_stale")
    with schema_context("tpl_stale"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'cabinet'")
    assert any(name.startswith("cabinet.") for name in migration_drift("tpl_stale"))
    # when cloning it, then it refuses
    with pytest.raises(TemplateOutOfDate, match="cabinet"):
        clone_template("clone_of_stale", template="tpl_stale")
    assert not schema_exists("clone_of_stale")
    # and ensure_template rebuilds it into a current one
    assert ensure_template("tpl_stale") is True
    assert migration_drift("tpl_stale") == []
    assert ensure_template("tpl_stale") is False
