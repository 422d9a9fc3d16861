"""Format-2 backups (COPY of the tables the code knows): they find the schema's tables without a
sequential scan of the catalog, refuse a schema holding a table the code does not know (format 1
still takes it), and an archive from an older migration state is restored at that state and
migrated forward to the code's."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context, tenant_context

from cabinet.accounts.models import ClientProfile
from tenants.backup import BackupError, schema_checksums, tenant_backup, tenant_restore
from tenants.backup_tables import known_tables, schema_tables
from tenants.schema_templates import migration_drift, template_schema_name
from tests.factories import UserFactory

CATALOGS = ("pg_class", "pg_attribute", "pg_depend", "pg_namespace", "pg_type")


@pytest.fixture
def backups(tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    return tmp_path / "backups"


def catalog_seq_scans() -> dict[str, int]:
    """This transaction's sequential scans of the big catalogs, so far (the functions, not the
    pg_stat_xact_sys_tables view, which itself scans pg_class)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(f"pg_stat_get_xact_numscans('{name}'::regclass)" for name in CATALOGS)
        )
        return dict(zip(CATALOGS, cursor.fetchone(), strict=True))


def test_the_templates_hold_only_tables_the_code_knows(db):
    for vertical in ("", "hotel"):
        found = schema_tables(template_schema_name(vertical))
        assert found.strangers == []
        assert set(found.tables) <= known_tables()
        assert "django_migrations" in found.tables


def backup_counting_scans(tenant) -> tuple[Path, dict[str, int], int]:
    """A backup inside a transaction whose catalog scans are counted: the archive, the scans the
    backup made, and those of the query schema_checksums used to make (to show a scan counts)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        before = catalog_seq_scans()
        # tenant_backup's own atomic block is a savepoint of this transaction
        archive = tenant_backup(tenant)
        after = catalog_seq_scans()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s", [tenant.schema_name]
            )
        control = catalog_seq_scans()["pg_class"] - after["pg_class"]
    return archive, {name: after[name] - before[name] for name in CATALOGS}, control


def test_a_backup_reads_the_catalog_by_index_only(committed_tenant, django_db_blocker, backups):
    # when the tenant is backed up
    with django_db_blocker.unblock():
        # PostgreSQL itself re-reads pg_class by a heap scan when a backend has missed cache
        # invalidations (RelationReloadIndexInfo after a reset of the shared queue, which other
        # databases' DDL on this cluster can cause): a backup's own scans happen on every try.
        for _attempt in range(3):
            archive, scans, control = backup_counting_scans(committed_tenant)
            if not any(scans.values()):
                break
    # then no catalog was read sequentially (while the old query does), and the archive holds
    # every table
    assert scans == dict.fromkeys(CATALOGS, 0)
    assert control > 0
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        files = {name for name in tar.getnames() if name.startswith("tables/")}
    assert manifest["format"] == 2
    assert files == {f"tables/{name}.copy" for name in manifest["tables"]}
    assert set(manifest["tables"]) == set(manifest["checksums"])
    assert len(manifest["tables"]) > 80


def test_a_table_the_code_does_not_know_refuses_the_backup(
    committed_tenant, django_db_blocker, backups
):
    with django_db_blocker.unblock():
        with schema_context(committed_tenant.schema_name), connection.cursor() as cursor:
            cursor.execute("CREATE TABLE notes_by_hand (id int)")
            cursor.execute("CREATE VIEW clients_by_hand AS SELECT 1 AS one")
        connection.set_schema_to_public()

        with pytest.raises(BackupError, match="notes_by_hand") as refused:
            tenant_backup(committed_tenant)
        assert "clients_by_hand" in str(refused.value)
        assert not list(backups.rglob("*.tar.gz"))
        # pg_dump takes it
        out = io.StringIO()
        call_command("backup_tenant", committed_tenant.slug, "--format", "1", stdout=out)
        assert Path(out.getvalue().strip()).is_file()


def reversible_leaf() -> tuple[tuple[str, str], tuple[str, str]]:
    """A vertical's last migration that only adds fields, and the one before it."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    for app in ("hotel", "school", "shop", "clinic"):
        for leaf in graph.leaf_nodes(app):
            migration = graph.nodes[leaf]
            parents = [p for p in graph.node_map[leaf].parents if p.key[0] == app]
            if parents and all(type(op).__name__ == "AddField" for op in migration.operations):
                return leaf, parents[0].key
    raise AssertionError("no vertical's last migration only adds fields")


def test_an_archive_from_an_older_migration_state_restores_and_is_migrated_forward(
    committed_tenant, django_db_blocker, backups
):
    tenant, schema = committed_tenant, committed_tenant.schema_name
    with django_db_blocker.unblock():
        # given a cabinet with a client, one migration behind the code
        with tenant_context(tenant):
            ClientProfile.objects.create(user=UserFactory(email="old@guest.example.com"))
        leaf, parent = reversible_leaf()
        with schema_context(schema):
            MigrationExecutor(connection).migrate([parent])
        connection.set_schema_to_public()
        assert migration_drift(schema) == [f"{leaf[0]}.{leaf[1]}"]
        old = schema_checksums(schema)
        archive = tenant_backup(tenant)
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
        assert list(leaf) not in manifest["migrations"]

        # when it is restored (after the cabinet is gone: nothing of the old schema is reused)
        from tenants.services import tenant_destroy

        tenant_destroy(tenant=tenant)
        restored = tenant_restore(archive)
        tenant.pk = restored.pk  # the fixture drops it again at the end

        # then it holds the backup's rows and is at the code's state
        assert migration_drift(schema) == []
        now = schema_checksums(schema)
        unchanged = {name for name in old if now[name] == old[name]}
        assert "rbac_user" in unchanged
        assert "cabinet_clientprofile" in unchanged
        with tenant_context(restored):
            assert ClientProfile.objects.filter(user__email="old@guest.example.com").exists()
