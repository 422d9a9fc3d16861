"""Management commands: create_tenant, delete_tenant, refill_pool and the migrate_tenants runner."""

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import quote_schema_name, schema_context, schema_exists, tenant_context

from rbac.models import User
from tenants.migration_runner import (
    ExpectedMigrations,
    FastPlan,
    Outcome,
    applied_migrations,
    schemas_migrate_fast,
    tenant_schema_names,
    tenant_schemas_migrate,
)
from tenants.models import SpareSchema, Tenant, TenantStatus
from tenants.schema_templates import migration_drift, template_version
from tenants.services import OwnerSpec, tenant_provision
from tenants.verticals import vertical_configs, vertical_keys

PASSWORD = "a-long-owner-passphrase"
RUNNER_CALL_COMMAND = "tenants.migration_runner.call_command"


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def create_args(slug: str, *extra: str) -> list[str]:
    return [
        "--slug", slug, "--name", "Sunrise Hotel", "--vertical", "hotel",
        "--owner-email", "boss@sunrise.example.com", *extra,
    ]  # fmt: skip


def forget_migrations(schema_name: str, app: str = "cabinet") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote_schema_name(schema_name)}.django_migrations WHERE app = %s",  # noqa: S608
            [app],
        )


def schema_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        return cursor.fetchone()[0]


def migrated_schemas(migrate: mock.Mock) -> list[str]:
    return [call.kwargs["schema_name"] for call in migrate.call_args_list]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- create_tenant --------------------------------------------------------------------------------


def test_create_tenant_makes_a_working_cabinet_and_prints_its_address(db):
    # when
    out, _err = run(
        "create_tenant", *create_args("Sunrise", "--owner-password", PASSWORD, "--language", "ru")
    )
    # then
    tenant = Tenant.objects.get(slug="sunrise")
    assert tenant.vertical == "hotel"
    assert tenant.default_language == "ru"
    assert tenant.status == TenantStatus.TRIAL
    assert schema_exists(tenant.schema_name)
    assert migration_drift(tenant.schema_name) == []
    with tenant_context(tenant):
        owner = User.objects.get(email="boss@sunrise.example.com")
        assert owner.check_password(PASSWORD)
    assert "http://sunrise.localhost:8000/" in out


def test_create_tenant_prompts_for_the_password_on_a_terminal(db, monkeypatch):
    # given a terminal on which the owner types the password twice
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    # when
    run("create_tenant", *create_args("sunrise", "--status", "active"))
    # then
    tenant = Tenant.objects.get(slug="sunrise")
    assert tenant.status == TenantStatus.ACTIVE
    with tenant_context(tenant):
        assert User.objects.get().check_password(PASSWORD)


def test_create_tenant_without_a_password_and_no_terminal_refuses(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO())
    with pytest.raises(CommandError, match="--owner-password"):
        run("create_tenant", *create_args("sunrise"))
    assert not Tenant.objects.filter(slug="sunrise").exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "3 to 40 characters"),
        ("ho_tel", "Latin letters"),
        ("Admin", "reserved"),
        ("HOTEL", "already taken"),
    ],
)
def test_create_tenant_refuses_a_bad_or_taken_slug_and_creates_nothing(db, hotel, slug, message):
    # given
    tenants_before, schemas_before = Tenant.objects.count(), schema_count()
    # when / then
    with pytest.raises(CommandError, match=message):
        run("create_tenant", *create_args(slug, "--owner-password", PASSWORD))
    assert Tenant.objects.count() == tenants_before
    assert schema_count() == schemas_before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--owner-email", "not-an-email", "--owner-password", PASSWORD], "valid email"),
        (["--owner-password", "12345678"], "too common"),
    ],
)
def test_create_tenant_refuses_a_bad_owner_and_creates_nothing(db, extra, message):
    with pytest.raises(CommandError, match=message):
        run("create_tenant", *create_args("sunrise", *extra))
    assert not Tenant.objects.filter(slug="sunrise").exists()
    assert not schema_exists("sunrise")


# --- delete_tenant --------------------------------------------------------------------------------


@pytest.fixture
def doomed(db) -> Tenant:
    return tenant_provision(
        slug="doomed",
        name="Doomed Shop",
        vertical="shop",
        owner=OwnerSpec(email="owner@doomed.example.com", password=PASSWORD),
    )


@pytest.mark.parametrize("confirm", [None, "", "hotel", "doome"])
def test_delete_tenant_without_the_typed_address_deletes_nothing(doomed, monkeypatch, confirm):
    # given no terminal to prompt on
    monkeypatch.setattr("sys.stdin", io.StringIO())
    args = ["--slug", "doomed"] if confirm is None else ["--slug", "doomed", "--confirm", confirm]
    # when / then
    with pytest.raises(CommandError, match="--confirm doomed"):
        run("delete_tenant", *args)
    assert Tenant.objects.filter(slug="doomed").exists()
    assert schema_exists("doomed")


def test_delete_tenant_with_the_typed_address_drops_the_tenant_and_its_schema(doomed):
    # when
    out, _err = run("delete_tenant", "--slug", "doomed", "--confirm", "Doomed")
    # then
    assert not Tenant.objects.filter(slug="doomed").exists()
    assert not schema_exists("doomed")
    assert "Deleted Doomed Shop" in out


def test_delete_tenant_refuses_the_public_tenant(db):
    with pytest.raises(CommandError, match="public"):
        run("delete_tenant", "--slug", "public", "--confirm", "public")
    assert schema_exists("public")
    assert Tenant.objects.filter(schema_name="public").exists()


def test_delete_tenant_refuses_an_unknown_address(db):
    with pytest.raises(CommandError, match="No cabinet"):
        run("delete_tenant", "--slug", "nowhere", "--confirm", "nowhere")


# --- refill_pool ----------------------------------------------------------------------------------


def test_refill_pool_clones_spares_up_to_the_size_for_every_vertical(db):
    # when
    out, _err = run("refill_pool", "--size", "1")
    # then one current spare per vertical, each a real schema
    for vertical in vertical_keys():
        spares = SpareSchema.objects.filter(vertical=vertical)
        assert spares.count() == 1
        spare = spares.get()
        assert spare.template_version == template_version(vertical)
        assert schema_exists(spare.schema_name)
    assert out.splitlines() == [
        f"{vertical}: 1/1 ready (+1 created, -0 stale discarded)" for vertical in vertical_keys()
    ]
    # and a second run has nothing to do
    out, _err = run("refill_pool", "--size", "1", "--vertical", "shop")
    assert out.splitlines() == ["shop: 1/1 ready (+0 created, -0 stale discarded)"]
    assert SpareSchema.objects.count() == len(vertical_keys())


# --- migrate_tenants ------------------------------------------------------------------------------


def test_migrate_tenants_skips_up_to_date_schemas_without_migrating(hotel, shop):
    # given every schema up to date
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        # when
        out, err = run("migrate_tenants", "-v", "2", "--progress-every", "1")
    # then
    migrate.assert_not_called()
    assert "hotel: up to date" in out
    assert "shop: up to date" in out
    assert "0 migrated, 0 failed" in out
    assert "template schemas up to date" in out
    assert err == ""


def test_migrate_tenants_summarizes_skips_at_normal_verbosity(hotel, shop):
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        out, _err = run("migrate_tenants", "--skip-templates")
    migrate.assert_not_called()
    assert "up to date" in out
    assert "hotel:" not in out
    assert "template" not in out


def test_migrate_tenants_migrates_exactly_the_schema_that_lacks_a_migration(hotel, shop):
    # given the hotel's schema lacks the cabinet's migrations
    forget_migrations(hotel.schema_name)
    # when
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        out, _err = run("migrate_tenants", "--skip-templates")
    # then
    migrate.assert_called_once_with(
        "migrate_schemas",
        tenant=True,
        schema_name=hotel.schema_name,
        interactive=False,
        verbosity=0,
    )
    assert "hotel: migrated" in out
    assert "1 migrated, 0 failed" in out


def test_migrate_tenants_dry_run_reports_what_would_be_migrated_and_changes_nothing(hotel):
    forget_migrations(hotel.schema_name)
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        out, _err = run("migrate_tenants", "--dry-run", "--skip-templates")
    migrate.assert_not_called()
    assert "hotel: would migrate: cabinet.0001_initial" in out
    assert "1 would be migrated" in out


def test_a_failing_schema_is_reported_by_name_and_the_others_still_run(hotel, shop):
    # given two schemas behind, the first of which fails to migrate
    forget_migrations(hotel.schema_name)
    forget_migrations(shop.schema_name)

    def migrate(*args: object, schema_name: str, **kwargs: object) -> None:
        if schema_name == hotel.schema_name:
            raise RuntimeError("column already exists")

    # when
    with mock.patch(RUNNER_CALL_COMMAND, side_effect=migrate) as migrate_call:
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match=r"1 schema\(s\) failed: hotel"):
            call_command("migrate_tenants", "--skip-templates", stdout=out, stderr=err)
    # then the shop was still migrated after the hotel failed
    assert migrated_schemas(migrate_call) == [hotel.schema_name, shop.schema_name]
    assert "hotel: FAILED — RuntimeError: column already exists" in err.getvalue()
    assert "shop: migrated" in out.getvalue()
    assert "1 migrated, 1 failed" in out.getvalue()
    assert "failed: hotel — RuntimeError: column already exists" in out.getvalue()


def test_a_tenant_whose_schema_is_missing_is_reported_and_a_purged_one_ignored(hotel, shop):
    # given rows without schemas: one purged (expected), one not (a fault)
    Tenant.objects.create(schema_name="ghost", slug="ghost", name="Ghost")
    Tenant.objects.create(schema_name="gone", slug="gone", name="Gone", status=TenantStatus.PURGED)
    # when / then
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match="ghost"):
            call_command("migrate_tenants", "--skip-templates", stdout=out, stderr=err)
    migrate.assert_not_called()
    assert "ghost: FAILED — schema ghost does not exist" in err.getvalue()
    assert "gone" not in out.getvalue() + err.getvalue()


def test_a_schema_without_a_migrations_table_is_migrated(hotel, shop):
    # given a tenant whose schema exists but is empty
    Tenant.objects.create(schema_name="hollow", slug="hollow", name="Hollow")
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA hollow")
    # when
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        out, _err = run("migrate_tenants", "--skip-templates")
    # then
    assert migrated_schemas(migrate) == ["hollow"]
    assert "hollow: migrated" in out


def test_an_interrupted_run_says_how_to_resume(hotel, school, shop):
    # given the schemas behind, and Ctrl-C while the shop (last in name order) is migrating
    forget_migrations(hotel.schema_name)
    forget_migrations(school.schema_name)
    forget_migrations(shop.schema_name)

    def migrate(*args: object, schema_name: str, **kwargs: object) -> None:
        if schema_name == shop.schema_name:
            raise KeyboardInterrupt

    # when / then
    with (
        mock.patch(RUNNER_CALL_COMMAND, side_effect=migrate),
        pytest.raises(CommandError, match=f"--start-after {school.schema_name}") as interrupted,
    ):
        run("migrate_tenants", "--skip-templates")
    assert interrupted.value.returncode == 130


def test_start_after_skips_the_schemas_before_it_in_name_order(hotel, shop):
    # given both schemas behind
    forget_migrations(hotel.schema_name)
    forget_migrations(shop.schema_name)
    # when resuming after the hotel
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        out, _err = run("migrate_tenants", "--start-after", hotel.schema_name, "--skip-templates")
    # then
    assert migrated_schemas(migrate) == [shop.schema_name]
    assert "hotel" not in out


def test_schema_option_migrates_only_that_schema(hotel, shop):
    forget_migrations(hotel.schema_name)
    forget_migrations(shop.schema_name)
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        run("migrate_tenants", "--schema", shop.schema_name, "--skip-templates")
    assert migrated_schemas(migrate) == [shop.schema_name]


def test_schema_option_refuses_a_schema_that_is_no_tenants(db):
    with pytest.raises(CommandError, match="tpl_base"):
        run("migrate_tenants", "--schema", "tpl_base", "--skip-templates")


def test_every_schema_is_visited_once_in_name_order_whatever_the_batch_size(hotel, shop):
    # given more tenants than fit in one batch
    for slug in ("alpha", "zulu", "mike"):
        tenant_provision(
            slug=slug,
            name=slug.title(),
            vertical="shop",
            owner=OwnerSpec(email=f"owner@{slug}.example.com", password=PASSWORD),
        )
    # when
    with mock.patch(RUNNER_CALL_COMMAND) as migrate:
        results = list(tenant_schemas_migrate(batch_size=2))
    # then
    names = [result.schema_name for result in results]
    assert names == sorted(names)
    assert {"alpha", "hotel", "mike", "shop", "zulu"} <= set(names)
    assert len(names) == len(set(names))
    assert [result.position for result in results] == list(range(1, len(names) + 1))
    assert {result.total for result in results} == {len(names)}
    migrate.assert_not_called()


def test_a_squash_counts_as_applied_when_everything_it_replaces_is():
    expected = ExpectedMigrations(
        replaces={
            ("shop", "0001_squashed_0002"): (("shop", "0001_a"), ("shop", "0002_b")),
            ("shop", "0003_c"): (),
        }
    )
    assert expected.missing_from({("shop", "0001_a"), ("shop", "0002_b"), ("shop", "0003_c")}) == []
    assert expected.missing_from({("shop", "0001_a"), ("shop", "0003_c")}) == [
        "shop.0001_squashed_0002"
    ]
    assert expected.missing_from({("shop", "0001_squashed_0002")}) == ["shop.0003_c"]


def test_a_schema_really_behind_is_migrated_for_real(committed_tenant, django_db_blocker):
    """No test transaction and no patching: django-tenants' migrate_schemas really runs."""
    schema = committed_tenant.schema_name
    apps_ = ["cabinet", *(config.label for config in vertical_configs())]
    pattern = f"^({'|'.join(apps_)})_"
    with django_db_blocker.unblock():
        # given a schema that lost the cabinet's tables (and its vertical modules', which
        # depend on them) and their migration records
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename ~ %s",
                [schema, pattern],
            )
            tables = [row[0] for row in cursor.fetchall()]
            assert tables
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {quote_schema_name(schema)}.{table} CASCADE")
        for app in apps_:
            forget_migrations(schema, app)
        assert migration_drift(schema) != []
        # when
        out, _err = run("migrate_tenants", "--schema", schema, "--skip-templates")
        # then
        assert f"{schema}: migrated" in out
        assert migration_drift(schema) == []
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename ~ %s",
                [schema, pattern],
            )
            assert cursor.fetchone()[0] == len(tables)
        # and a second run finds nothing to do
        out, _err = run("migrate_tenants", "--schema", schema, "--skip-templates", "-v", "2")
        assert f"{schema}: up to date" in out


# --- the fast path: groups of schemas per transaction, parallel workers ---------------------------


def a_plan(*statements: str, key: tuple[str, str] = ("cabinet", "9999_bench")) -> FastPlan:
    return FastPlan(keys=(key,), statements=statements, app_labels=(), apps=None)


def columns(schema: str, table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_a_group_shares_one_transaction_and_a_failing_schema_is_rolled_back_alone(hotel, shop):
    # given a column with a default and an index, and the hotel already holding the column
    plan = a_plan(
        "ALTER TABLE cabinet_event ADD COLUMN bench_rank integer DEFAULT 0 NOT NULL",
        "CREATE INDEX cabinet_event_bench_rank ON cabinet_event (bench_rank)",
    )
    with schema_context(hotel.schema_name), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cabinet_event ADD COLUMN bench_rank integer")
    # when both are migrated in one group
    errors = schemas_migrate_fast(schema_names=[hotel.schema_name, shop.schema_name], plan=plan)
    # then the hotel failed, by name, with nothing of the plan left in it; the shop has it all
    assert list(errors) == [hotel.schema_name]
    assert "already exists" in errors[hotel.schema_name]
    assert "bench_rank" in columns(shop.schema_name, "cabinet_event")
    with schema_context(shop.schema_name):
        assert ("cabinet", "9999_bench") in applied_migrations(shop.schema_name)
    with schema_context(hotel.schema_name):
        assert ("cabinet", "9999_bench") not in applied_migrations(hotel.schema_name)


def test_a_schema_whose_table_is_locked_fails_fast_instead_of_waiting(hotel, monkeypatch):
    # given a short lock timeout, and the hotel's events table locked by another connection
    monkeypatch.setattr("tenants.migration_runner.LOCK_TIMEOUT", "200ms")
    plan = a_plan("ALTER TABLE cabinet_event ADD COLUMN bench_rank integer DEFAULT 0 NOT NULL")
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {quote_schema_name(hotel.schema_name)}.cabinet_event")
            # when
            errors = schemas_migrate_fast(schema_names=[hotel.schema_name], plan=plan)
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    # then the schema is reported, not waited for
    assert "lock timeout" in errors[hotel.schema_name]


def test_parallel_workers_migrate_every_schema_once_in_name_order(django_db_blocker, monkeypatch):
    """Committed tenants, no test transaction: the workers use connections of their own."""
    key = ("cabinet", "9999_parallel")
    plan = a_plan("SELECT 1", key=key)
    monkeypatch.setattr(
        "tenants.migration_runner.expected_tenant_migrations",
        lambda: ExpectedMigrations(replaces={key: ()}),
    )
    monkeypatch.setattr("tenants.migration_runner.fast_plan", lambda missing: plan)
    with django_db_blocker.unblock():
        schemas = list(tenant_schema_names())
        try:
            # when every schema lacks the migration, two workers, groups of two
            results = list(tenant_schemas_migrate(workers=2, per_transaction=2))
            # then each schema was migrated once, reported in name order, and it stuck
            assert [r.schema_name for r in results] == schemas
            assert {r.outcome for r in results} == {Outcome.MIGRATED}
            assert [r.position for r in results] == list(range(1, len(schemas) + 1))
            again = list(tenant_schemas_migrate(workers=2, per_transaction=2))
            assert {r.outcome for r in again} == {Outcome.UP_TO_DATE}
        finally:
            for schema in schemas:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"DELETE FROM {quote_schema_name(schema)}.django_migrations"  # noqa: S608
                        " WHERE app = %s AND name = %s",
                        list(key),
                    )
