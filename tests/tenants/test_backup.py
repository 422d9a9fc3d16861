"""Per-tenant backup and restore, in both archive formats (2: COPY of the tables, what backups
write; 1: pg_dump, which still restores): a tenant dumped, dropped and restored comes back with
equal checksums (schema, public rows, media) and no other tenant changes; a restore over a live
tenant swaps it in; a copy becomes a new tenant; archives are kept N per tenant here and in
S3-compatible storage (moto's server), and a hostile archive is refused."""

import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogCategory
from tenants import backup
from tenants.backup import (
    BackupError,
    backup_all,
    backup_fetch,
    backups_of,
    schema_checksums,
    tenant_backup,
    tenant_restore,
)
from tenants.cluster import cluster_active
from tenants.models import Domain, Tenant
from tenants.services import tenant_destroy
from tests.factories import UserFactory


def add_client(tenant, email: str) -> None:
    with tenant_context(tenant):
        ClientProfile.objects.create(user=UserFactory(email=email))
    media = Path(settings.MEDIA_ROOT) / tenant.schema_name / "private" / "documents"
    media.mkdir(parents=True, exist_ok=True)
    (media / "receipt.pdf").write_bytes(b"%PDF-1.4 a receipt")


def public_state(tenant_id: int) -> dict:
    tenant = Tenant.objects.get(pk=tenant_id)
    return {
        "tenant": (tenant.slug, tenant.schema_name, tenant.name, tenant.status),
        "domains": sorted(
            Domain.objects.filter(tenant_id=tenant_id).values_list("domain", "is_primary")
        ),
    }


@pytest.fixture
def backups(tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path / "backups")
    return tmp_path / "backups"


@pytest.fixture(params=[2, 1], ids=["copy-format", "pg_dump-format"])
def archive_format(request) -> int:
    return request.param


def test_a_tenant_dumped_dropped_and_restored_comes_back_whole(
    committed_tenant, django_db_blocker, backups, archive_format
):
    tenant = committed_tenant
    with django_db_blocker.unblock():
        other = Tenant.objects.get(slug="shop")
        other_before = schema_checksums(other.schema_name)
        add_client(tenant, "kept@guest.example.com")
        before = schema_checksums(tenant.schema_name)
        public_before = public_state(tenant.pk)
        archive = tenant_backup(tenant, archive_format=archive_format)
        tenant_id, schema = tenant.pk, tenant.schema_name

        tenant_destroy(tenant=tenant)
        assert not Tenant.objects.filter(pk=tenant_id).exists()
        restored = tenant_restore(archive)
        tenant.pk = restored.pk  # the fixture drops it again at the end

        assert restored.pk == tenant_id
        assert schema_checksums(schema) == before
        assert public_state(tenant_id) == public_before
        media = Path(settings.MEDIA_ROOT) / schema / "private" / "documents" / "receipt.pdf"
        assert media.read_bytes() == b"%PDF-1.4 a receipt"
        with tenant_context(restored):
            assert ClientProfile.objects.filter(user__email="kept@guest.example.com").exists()
        assert schema_checksums(other.schema_name) == other_before  # no other tenant changed


def test_a_restore_over_a_live_tenant_swaps_the_old_data_out(
    committed_tenant, django_db_blocker, backups, archive_format
):
    tenant = committed_tenant
    with django_db_blocker.unblock():
        add_client(tenant, "before@guest.example.com")
        archive = tenant_backup(tenant, archive_format=archive_format)
        before = schema_checksums(tenant.schema_name)
        with tenant_context(tenant):
            ClientProfile.objects.all().delete()
            ClientProfile.objects.create(user=UserFactory(email="after@guest.example.com"))

        tenant_restore(archive)

        assert schema_checksums(tenant.schema_name) == before
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'aside\\_%%'")
            assert cursor.fetchone()[0] == 0  # the side schema is gone


def test_a_write_while_the_backup_runs_is_in_neither_the_dump_nor_its_checksums(
    committed_tenant, django_db_blocker, backups, monkeypatch, archive_format
):
    """The tables (pg_dump's or COPY's), the checksums and the public rows read one snapshot: a
    busy tenant's archive still agrees with itself, so it restores."""
    if cluster_active():
        pytest.skip("on Citus a backup is not one snapshot (README: Beyond one machine: Citus)")
    tenant = committed_tenant

    def write_from_another_connection() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT set_config('search_path', %s, false)",
                               [tenant.schema_name])  # fmt: skip
                cursor.execute("INSERT INTO cabinet_catalogcategory"
                               " (name, position, translations)"
                               " VALUES ('Written mid-backup', 0, '{}')")  # fmt: skip
        finally:
            other.close()

    real_run, real_write = backup._run, backup.write_tables

    def write_then_run(command: list[str], env: dict) -> None:
        if "pg_dump" in command[0]:  # another connection commits a row before the dump starts
            write_from_another_connection()
        real_run(command, env)

    def write_then_copy(schema_name: str, into: Path) -> tuple[dict, dict]:
        write_from_another_connection()  # the snapshot is taken: REPEATABLE READ's first read
        return real_write(schema_name, into)

    with django_db_blocker.unblock():
        monkeypatch.setattr(backup, "_run", write_then_run)
        monkeypatch.setattr(backup, "write_tables", write_then_copy)
        archive = tenant_backup(tenant, archive_format=archive_format)
        monkeypatch.undo()
        with tenant_context(tenant):  # the row was committed
            assert CatalogCategory.objects.filter(name="Written mid-backup").exists()
        tenant_restore(archive)  # over the live tenant: refused if the checksums disagreed
        with tenant_context(tenant):
            assert not CatalogCategory.objects.filter(name="Written mid-backup").exists()


def test_a_failed_restore_leaves_no_half_restored_schema(
    committed_tenant, django_db_blocker, backups, archive_format, monkeypatch
):
    tenant = committed_tenant
    with django_db_blocker.unblock():
        archive = tenant_backup(tenant, archive_format=archive_format)
        schema = tenant.schema_name
        tenant_destroy(tenant=tenant)
        monkeypatch.setattr(backup, "schema_checksums", lambda _name: {"changed": [0, ""]})
        with pytest.raises(BackupError):
            tenant_restore(archive)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema])
            assert cursor.fetchone()[0] == 0
        monkeypatch.undo()
        tenant.pk = tenant_restore(archive).pk  # the fixture drops it again at the end


def test_a_copy_becomes_a_new_tenant_and_leaves_the_original_alone(
    committed_tenant, django_db_blocker, backups, archive_format
):
    tenant = committed_tenant
    slug = f"copy-{uuid.uuid4().hex[:6]}"
    with django_db_blocker.unblock():
        add_client(tenant, "both@guest.example.com")
        archive = tenant_backup(tenant, archive_format=archive_format)
        original = schema_checksums(tenant.schema_name)
        out = io.StringIO()
        call_command("restore_tenant", str(archive), "--as", slug, stdout=out)
        copy = Tenant.objects.get(slug=slug)
        try:
            assert copy.pk != tenant.pk
            assert copy.domains.get().domain.startswith(f"{slug}.")
            assert schema_checksums(copy.schema_name) == original
            assert schema_checksums(tenant.schema_name) == original
            with tenant_context(copy):
                assert ClientProfile.objects.filter(user__email="both@guest.example.com").exists()
            with pytest.raises(BackupError, match="exists already"):
                tenant_restore(archive, as_slug=slug)
        finally:
            tenant_destroy(tenant=copy)


def test_archives_are_kept_n_per_tenant_here_and_in_the_bucket(
    committed_tenant, django_db_blocker, backups, settings, monkeypatch, tmp_path
):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ):
            monkeypatch.setenv(name, value)
        settings.BACKUP_S3_ENDPOINT_URL = f"http://{host}:{port}"
        settings.BACKUP_S3_BUCKET = "kabinet-backups"
        import boto3

        s3 = boto3.client("s3", endpoint_url=settings.BACKUP_S3_ENDPOINT_URL)
        s3.create_bucket(Bucket="kabinet-backups")
        with django_db_blocker.unblock():
            for night in ("20261101T010000Z", "20261102T010000Z", "20261103T010000Z"):
                monkeypatch.setattr("tenants.backup._stamp", lambda night=night: night)
                backup_all(keep=2)

            keys = sorted(
                o["Key"]
                for o in s3.list_objects_v2(
                    Bucket="kabinet-backups", Prefix=f"{committed_tenant.slug}/"
                )["Contents"]
            )
            assert [k.split("-")[-1] for k in keys] == [
                "20261102T010000Z.tar.gz",
                "20261103T010000Z.tar.gz",
            ]
            assert [p.name.split("-")[-1] for p in backups_of(committed_tenant.slug)] == [
                "20261103T010000Z.tar.gz",
                "20261102T010000Z.tar.gz",
            ]
            fetched = backup_fetch(keys[-1], into=tmp_path)
            assert fetched.read_bytes() == backups_of(committed_tenant.slug)[0].read_bytes()
    finally:
        server.stop()


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt"])
def test_a_hostile_archive_is_refused(tmp_path, db, member):
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = 4
        archive.addfile(info, io.BytesIO(b"evil"))

    with pytest.raises(BackupError, match="suspicious"):
        tenant_restore(path)


def test_an_archive_of_another_format_is_refused(tmp_path, db):
    path = tmp_path / "other.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps({"format": 99}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    with pytest.raises(BackupError, match="unknown backup format"):
        tenant_restore(path)


def test_the_command_says_what_is_missing(db, backups):
    with pytest.raises(Exception, match="no tenant 'nobody'"):
        call_command("backup_tenant", "nobody")


def test_one_tenant_that_fails_does_not_stop_the_nightly_backups(db, backups, monkeypatch):
    def fake_backup(tenant, folder=None):
        if tenant.slug == "shop":
            raise BackupError("pg_dump failed: disk full")
        path = Path(backups) / tenant.slug / f"{tenant.slug}-20261130T010000Z.tar.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"archive")
        return path

    monkeypatch.setattr("tenants.backup.tenant_backup", fake_backup)

    done = backup_all(keep=2)

    assert done["shop"] == "failed"
    assert done["hotel"].endswith(".tar.gz")
    assert done["school"].endswith(".tar.gz")
