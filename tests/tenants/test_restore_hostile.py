"""A restore trusts nothing in the archive: a manifest naming `public`, a template or another
tenant's schema, a dump carrying objects of another schema, public rows of another tenant or a
user row are refused before anything changes; and what the dump runs runs as a role that
cannot reach any other schema. These archives are format 1 (pg_dump), which still restores;
tests/tenants/test_restore_hostile_copy.py tampers with format 2."""

import json
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import serializers
from django.db import DatabaseError, connection, transaction
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_context

from rbac.models import User
from tenants.backup import (
    BackupError,
    _db_args,
    _run,
    pg_tool,
    restore_role,
    schema_checksums,
    tenant_backup,
    tenant_restore,
)
from tenants.models import Domain, Tenant

Edit = Callable[[Path], None]


class Undo(Exception):
    pass


def honest_archive(tenant, django_db_blocker, tmp_path_factory, archive_format: int):
    """One honest archive of `tenant` in a scratch BACKUP_DIR, for a module's tests to tamper
    with copies of (yielded, for a module fixture to `yield from`)."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("backups")
    previous, settings.BACKUP_DIR = settings.BACKUP_DIR, str(folder)
    try:
        with django_db_blocker.unblock():
            yield tenant_backup(tenant, archive_format=archive_format)
    finally:
        settings.BACKUP_DIR = previous


@pytest.fixture(scope="module")
def original(module_tenant, django_db_blocker, tmp_path_factory):
    """One honest format-1 archive of the module's tenant; every test tampers with a copy."""
    yield from honest_archive(module_tenant, django_db_blocker, tmp_path_factory, 1)


def tampered(archive: Path, into: Path, edit: Edit) -> Path:
    """The archive unpacked, edited, and packed again."""
    unpacked = into / "unpacked"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(unpacked, filter="data")
    edit(unpacked)
    path = into / "tampered.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member in sorted(unpacked.iterdir()):
            tar.add(member, arcname=member.name)
    return path


def edit_manifest(**changes: str) -> Edit:
    def edit(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest.update(changes)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return edit


def add_public_rows(rows: list) -> Edit:
    def edit(folder: Path) -> None:
        objects = json.loads((folder / "public.json").read_text())
        objects.extend(json.loads(serializers.serialize("json", rows)))
        (folder / "public.json").write_text(json.dumps(objects))

    return edit


def world() -> dict:
    """What a refused restore must leave as it was: every tenant, domain and schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace ORDER BY nspname")
        schemas = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'kabinet\\_restore\\_%%'")
        (roles,) = cursor.fetchone()
    return {
        "tenants": sorted(Tenant.objects.values_list("pk", "slug", "schema_name", "name")),
        "domains": sorted(Domain.objects.values_list("pk", "domain", "tenant_id")),
        "schemas": schemas,
        "restore_roles": roles,
        "shop": schema_checksums("shop"),
    }


def assert_refused(django_db_blocker, path: Path, match: str) -> None:
    with django_db_blocker.unblock():
        before = world()
        with pytest.raises(BackupError, match=match):
            tenant_restore(path)
        assert world() == before


@pytest.mark.parametrize(
    ("slug", "schema", "match"),
    [
        ("public", "public", "platform's schema"),
        ("tpl-base", "tpl_base", "platform's schema"),
        ("tpl-hotel", "tpl_hotel", "platform's schema"),
        ("spare-0123", "spare_0123", "platform's schema"),
        ("shop", "shop", "not the manifest's tenant"),  # a hotel archive relabelled as shop's
        (None, "shop", "is not that of tenant"),  # our slug, the shop's schema
    ],
)
def test_a_manifest_naming_a_schema_not_the_tenants_own_is_refused(
    original, module_tenant, django_db_blocker, tmp_path, slug, schema, match
):
    # given an archive whose manifest names another schema
    path = tampered(original, tmp_path, edit_manifest(slug=slug or module_tenant.slug,
                                                      schema=schema))  # fmt: skip
    # when it is restored / then nothing changes
    assert_refused(django_db_blocker, path, match)


def test_a_dump_carrying_objects_of_another_schema_is_refused(
    original, module_tenant, django_db_blocker, tmp_path
):
    # given an archive whose dump also holds the shop's schema
    def two_schemas(folder: Path) -> None:
        args, env = _db_args()
        _run([pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
              "--schema", module_tenant.schema_name, "--schema", "shop",
              "--file", str(folder / "schema.dump")], env)  # fmt: skip

    with django_db_blocker.unblock():
        path = tampered(original, tmp_path, two_schemas)
    # when / then
    assert_refused(django_db_blocker, path, "objects outside schema")


def test_public_rows_of_another_tenant_are_refused(
    original, module_tenant, django_db_blocker, tmp_path
):
    with django_db_blocker.unblock():
        shop_domain = Domain.objects.get(tenant__slug="shop", is_primary=True)
    # given the shop's domain row carried along in our archive
    path = tampered(original, tmp_path, add_public_rows([shop_domain]))
    assert_refused(django_db_blocker, path, "another tenant's")


def test_a_row_that_would_overwrite_another_tenants_row_is_refused(
    original, module_tenant, django_db_blocker, tmp_path
):
    with django_db_blocker.unblock():
        shop_domain = Domain.objects.get(tenant__slug="shop", is_primary=True)
    # given a domain "of ours" that has the shop domain's id: saving it would take the row
    stolen = Domain(pk=shop_domain.pk, domain="stolen.example.org", tenant_id=module_tenant.pk)
    path = tampered(original, tmp_path, add_public_rows([stolen]))
    assert_refused(django_db_blocker, path, "overwrite another tenant's")


@pytest.mark.parametrize("name", ["shop", "taken"])
def test_an_address_of_another_tenant_is_refused(
    original, module_tenant, django_db_blocker, tmp_path, name
):
    with django_db_blocker.unblock():
        shop_host = Domain.objects.get(tenant__slug="shop", is_primary=True).domain
    # given a new domain row of ours claiming the shop's address, or any other cabinet's
    claimed = shop_host if name == "shop" else shop_host.replace("shop", "someone-else", 1)
    row = Domain(pk=10_000_000, domain=claimed, tenant_id=module_tenant.pk)
    path = tampered(original, tmp_path, add_public_rows([row]))
    assert_refused(django_db_blocker, path, "address")


def test_a_user_row_is_refused(original, django_db_blocker, tmp_path):
    # given a platform admin smuggled into the public rows
    admin = User(pk=1, email="evil@example.com", is_staff=True, is_superuser=True)
    path = tampered(original, tmp_path, add_public_rows([admin]))
    assert_refused(django_db_blocker, path, "rbac.User rows")


def test_a_second_tenant_row_is_refused(original, django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        shop = Tenant.objects.get(slug="shop")
    path = tampered(original, tmp_path, add_public_rows([shop]))
    assert_refused(django_db_blocker, path, "exactly one tenant")


def test_the_restore_role_cannot_touch_another_schema(module_tenant, django_db_blocker):
    # given the role a restore runs as, owning a fresh schema
    with django_db_blocker.unblock(), restore_role("restore_probe") as role:
        attempts = {
            "its own schema": "CREATE TABLE restore_probe.t (id int)",
            "another tenant's table": "SELECT count(*) FROM shop.rbac_user",
            "another tenant's schema": "CREATE TABLE shop.t (id int)",
            "public's tables": "SELECT count(*) FROM public.tenants_tenant",
            "public's schema": "CREATE TABLE public.t (id int)",
            "a new schema": "CREATE SCHEMA elsewhere",
        }
        allowed = {}
        for label, sql in attempts.items():
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL ROLE {role}")
                    cursor.execute(sql)
                    raise Undo  # roll the attempt back whatever it did
            except Undo:
                allowed[label] = True
            except DatabaseError:  # permission denied
                allowed[label] = False
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA restore_probe CASCADE")
    # then only its own schema is open to it
    assert allowed == {label: label == "its own schema" for label in attempts}


def test_what_a_dump_executes_cannot_reach_another_tenant(
    committed_tenant, django_db_blocker, tmp_path, settings
):
    """An index whose expression calls a function of the archive: pg_restore runs it while
    building the index. It tries to rename the shop; as the restore's role it is refused and the
    whole restore with it."""
    settings.BACKUP_DIR = str(tmp_path / "backups")
    tenant = committed_tenant
    schema = tenant.schema_name
    with django_db_blocker.unblock():
        # Read before the set-up: building the planted index runs the strike once already.
        shop_name = Tenant.objects.get(slug="shop").name
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute("CREATE TABLE evil (id int)")
            cursor.execute("INSERT INTO evil VALUES (1)")
            strike_shop = "UPDATE public.tenants_tenant SET name = 'pwned' WHERE slug = 'shop'"
            cursor.execute(
                f'CREATE FUNCTION "{schema}".rename_shop() RETURNS void LANGUAGE sql'
                f" AS $$ {strike_shop} $$"
            )
            cursor.execute(
                f"""CREATE FUNCTION "{schema}".strike(n int) RETURNS int LANGUAGE plpgsql IMMUTABLE
                AS $$ BEGIN PERFORM "{schema}".rename_shop(); RETURN n; END $$"""
            )
            cursor.execute(f'CREATE INDEX evil_strike ON evil (("{schema}".strike(id)))')
        connection.set_schema_to_public()
        assert Tenant.objects.get(slug="shop").name == "pwned"  # the set-up's own strike
        Tenant.objects.filter(slug="shop").update(name="Shop Test")  # undone
        archive = tenant_backup(tenant, archive_format=1)
        try:
            before = schema_checksums(schema)
            with pytest.raises(BackupError, match="permission denied"):
                tenant_restore(archive)
            assert Tenant.objects.get(slug="shop").name == "Shop Test"
            assert schema_checksums(schema) == before  # the live schema was put back
        finally:
            Tenant.objects.filter(slug="shop").update(name=shop_name)


@pytest.mark.parametrize(
    ("planted", "match"),
    [
        # runs with the application's rights at the next insert: a copy of the shop's schema
        ("CREATE TABLE planted (id int, copied boolean"
         " DEFAULT ((public.clone_schema('shop', 'stolen', VARIADIC ARRAY[]::public.cloneparms[]))"
         " IS NULL))", "reaches outside itself"),
        ("CREATE FUNCTION extra() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
         "functions the template has not"),
    ],
)  # fmt: skip
def test_a_schema_that_would_run_foreign_code_as_the_application_is_refused(
    committed_tenant, django_db_blocker, tmp_path, settings, planted, match
):
    """What the restore's role may create but the application would later run: a default that
    calls a platform function, a function the template does not have."""
    settings.BACKUP_DIR = str(tmp_path / "backups")
    tenant = committed_tenant
    with django_db_blocker.unblock():
        # django-tenants' clone_schema function is in `public` once any clone took the old path
        # (a template our DDL cannot copy): the platform function a planted default would call.
        CloneSchema()._create_clone_schema_function()
        with schema_context(tenant.schema_name), connection.cursor() as cursor:
            cursor.execute(planted)
        connection.set_schema_to_public()
        archive = tenant_backup(tenant, archive_format=1)
        before = schema_checksums(tenant.schema_name)

        with pytest.raises(BackupError, match=match):
            tenant_restore(archive)

        assert schema_checksums(tenant.schema_name) == before  # the live schema was put back
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'stolen'")
            assert cursor.fetchone()[0] == 0
