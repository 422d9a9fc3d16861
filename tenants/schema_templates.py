"""The pre-migrated template schemas every tenant schema is cloned from.

`tpl_base` holds the tenant apps' tables and nothing else; `tpl_<vertical>` is a clone of it with
that vertical's starter content (seeded by the function the cabinet registers). Each template is
recorded in SchemaTemplate with the version it was built at: the migration state of the code plus
the starter content's version. Cloning copies tables *and* the template's django_migrations rows,
so a template behind the code would produce a schema that claims migrations it lacks:
`clone_template` refuses such a template and `ensure_templates` rebuilds it.
"""

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_app_label, quote_schema_name, schema_context, schema_exists

from tenants.models import SchemaTemplate
from tenants.verticals import vertical_keys

StarterSeeder = Callable[[str], None]


class TemplateOutOfDate(RuntimeError):
    pass


class _StarterContent:
    """What the cabinet registers at start-up: how to seed a vertical, and its version."""

    version = "none"
    seed: StarterSeeder | None = None


_starter = _StarterContent()


def register_starter_content(*, version: str, seed: StarterSeeder) -> None:
    """Called by the app that owns starter content (cabinet) from its AppConfig.ready()."""
    _starter.version = version
    _starter.seed = seed


def template_schema_name(vertical: str = "") -> str:
    base = settings.TENANT_TEMPLATE_SCHEMA
    return f"{base.removesuffix('_base')}_{vertical}" if vertical else base


def _tenant_app_labels() -> set[str]:
    return {get_app_label(app) for app in settings.TENANT_APPS}


@functools.cache
def migration_state() -> str:
    """A digest of the tenant apps' migration graph as the code has it (fixed per process)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = _tenant_app_labels()
    nodes = sorted(f"{app}.{name}" for app, name in loader.graph.nodes if app in labels)
    return hashlib.sha256("\n".join(nodes).encode()).hexdigest()


def template_version(vertical: str = "") -> str:
    version = migration_state()[:24]
    return f"{version}+{_starter.version}" if vertical else version


def migration_drift(schema_name: str) -> list[str]:
    """Migrations the schema lacks, and migrations it records that the code does not know."""
    with schema_context(schema_name):
        executor = MigrationExecutor(connection)
        labels = _tenant_app_labels()
        graph = executor.loader.graph
        targets = [node for node in graph.leaf_nodes() if node[0] in labels]
        pending = [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(targets)]
        unknown = [
            f"{app}.{name} (unknown to the code)"
            for app, name in executor.loader.applied_migrations
            if app in labels and (app, name) not in graph.nodes
        ]
    return pending + unknown


def drop_schema(schema_name: str) -> None:
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # Deferred foreign-key checks still queued in this transaction would block the drop.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema_name(schema_name)} CASCADE")


def _record(schema_name: str, vertical: str) -> None:
    SchemaTemplate.objects.update_or_create(
        schema_name=schema_name,
        defaults={"vertical": vertical, "version": template_version(vertical)},
    )


def build_base_template(schema_name: str | None = None) -> None:
    """(Re)create the base template from scratch by running every tenant migration."""
    name = schema_name or template_schema_name()
    connection.set_schema_to_public()
    drop_schema(name)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(name)}")
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    drift = migration_drift(name)
    if drift:
        raise TemplateOutOfDate(f"template {name} still lacks {', '.join(drift)} after a rebuild")
    _record(name, "")


@transaction.atomic
def build_vertical_template(vertical: str) -> None:
    """Clone the base template and seed the vertical's starter content into it. The clone is
    ours (the base's DDL replayed), not django-tenants' clone_schema, whose information_schema
    reads scan the whole catalog: 88 s a template at 2,000 cabinets against 3.7 s
    (`make bench-scale`), so a deploy's template rebuild would grow with every cabinet."""
    name = template_schema_name(vertical)
    connection.set_schema_to_public()
    drop_schema(name)
    clone_template(name, template=template_schema_name())
    if _starter.seed is not None:
        with schema_context(name):
            _starter.seed(vertical)
    connection.set_schema_to_public()
    _record(name, vertical)


def template_is_current(schema_name: str, vertical: str = "") -> bool:
    recorded = SchemaTemplate.objects.filter(schema_name=schema_name).first()
    return (
        recorded is not None
        and recorded.version == template_version(vertical)
        and schema_exists(schema_name)
    )


def ensure_template(schema_name: str | None = None) -> bool:
    """Make the base template current; True when it had to be (re)built."""
    name = schema_name or template_schema_name()
    if template_is_current(name) and not migration_drift(name):
        return False
    build_base_template(name)
    return True


def ensure_templates() -> list[str]:
    """Make the base and every vertical's template current; the names of those rebuilt."""
    rebuilt = []
    if ensure_template():
        rebuilt.append(template_schema_name())
    for vertical in vertical_keys():
        name = template_schema_name(vertical)
        if rebuilt or not template_is_current(name, vertical):
            build_vertical_template(vertical)
            rebuilt.append(name)
    return rebuilt


# Templates this process has checked against the code, with the build they were checked at: a
# template is checked once per build, not on every clone.
_checked_builds: dict[str, object] = {}


def _check_template(name: str) -> None:
    built = SchemaTemplate.objects.filter(schema_name=name).values_list("built_at", flat=True)
    build = built.first()
    if build is not None and _checked_builds.get(name) == build and schema_exists(name):
        return
    if not schema_exists(name):
        raise TemplateOutOfDate(f"template schema {name} does not exist; run platform_setup")
    drift = migration_drift(name)
    if drift:
        raise TemplateOutOfDate(f"template schema {name} is out of date: {', '.join(drift)}")
    if build is not None:
        _checked_builds[name] = build


def _clone_function_ready() -> None:
    """django-tenants re-creates its (large) clone_schema function before every clone, which
    costs ~20 ms and makes the connection slower with each clone; create it once per connection."""
    if getattr(connection, "_kabinet_clone_function", False):
        return
    CloneSchema()._create_clone_schema_function()
    connection._kabinet_clone_function = True


def clone_template(
    new_schema_name: str, *, vertical: str = "", template: str | None = None, sharded: bool = False
) -> bool:
    """Copy a template into a new schema, inside the caller's transaction; refuse a template
    whose recorded migrations differ from the code's.

    `sharded` (a Citus coordinator only): create the schema with
    `citus.enable_schema_based_sharding` on, so Citus distributes each table as the DDL creates
    it — the new schema is a distributed one when this returns True. False: the clone took the
    django-tenants function (PL/pgSQL, whose tables Citus leaves local), and the caller
    distributes the schema itself."""
    name = template or template_schema_name(vertical)
    _check_template(name)
    connection.set_schema_to_public()
    if schema_exists(new_schema_name, case_sensitive=False):
        raise ValueError(f"schema {new_schema_name} exists already")
    ddl = _cached_ddl(name)
    if ddl is not None:
        target = quote_schema_name(new_schema_name)
        statements = [statement.replace(TARGET, target) for statement in ddl]
        with connection.cursor() as cursor:
            # The definitions name the template's own tables unqualified: resolve them in the
            # new schema while the DDL runs (one transaction: the caller's, or the statement's).
            cursor.execute(
                "SELECT current_setting('search_path'),"
                " current_setting('citus.enable_schema_based_sharding', true)"
            )
            search_path, was_sharding = cursor.fetchone()
            opening = f"SELECT set_config('search_path', '{target}', true);"
            if sharded:
                # Citus forwards some statements' text to the worker as it came: one statement
                # per round trip, or the worker would get the whole script.
                cursor.execute("SET LOCAL citus.enable_schema_based_sharding = on")
                for statement in [opening, *statements]:
                    cursor.execute(statement)
            else:
                cursor.execute("\n".join([opening, *statements]))
            cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
            if sharded:
                cursor.execute(
                    "SELECT set_config('citus.enable_schema_based_sharding', %s, true)",
                    [was_sharding or "off"],
                )
        return sharded
    _clone_function_ready()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [name, new_schema_name])
    return False


def _cached_ddl(template: str) -> list[str] | None:
    """The template's DDL, read once per build of it in this process."""
    build = _checked_builds.get(template)
    cached = _ddl_cache.get(template)
    if cached is not None and build is not None and cached[0] == build:
        return cached[1]
    ddl = template_ddl(template)
    if build is not None:
        _ddl_cache[template] = (build, ddl)
    return ddl


# --- A clone from the template's own DDL ---------------------------------------------------------
#
# django-tenants' clone_schema function reads information_schema for every table, column, index
# and constraint it copies: views that scan the whole catalog, so one clone grows slower with every
# schema in the database (2.4 s at 100 cabinets, 85,000 relations, on a busy 2-core machine). Here
# the template's DDL is read once per template build, from pg_catalog by the template's namespace
# (index lookups), and replayed into each new schema in one round trip: tables, their data, then
# constraints, indexes, functions and triggers. A template holding anything this does not know
# how to copy (views, sequences not owned by an identity column, types, partitions, inheritance)
# is cloned the old way.

TARGET = "__kabinet_clone_target__"

_ddl_cache: dict[str, tuple[object, list[str] | None]] = {}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _retarget(text: str, template: str) -> str:
    """Point a definition pg_catalog printed with the template's name at the target schema."""
    for spelled in (f"{_q(template)}.", f"{template}."):
        text = text.replace(spelled, f"{TARGET}.")
    return text


def template_ddl(template: str) -> list[str] | None:
    """The SQL statements that rebuild `template` (tables, rows, sequences' positions, constraints,
    indexes, functions, triggers) in the schema named TARGET; None when the template holds
    something it cannot copy."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [template])
        (nsp,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FILTER (WHERE relkind NOT IN ('r', 'i', 'S')),"
            " count(*) FILTER (WHERE relkind = 'S'),"
            " (SELECT count(*) FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid"
            "   WHERE t.relnamespace = %s AND a.attidentity <> '' AND NOT a.attisdropped),"
            " (SELECT count(*) FROM pg_type WHERE typnamespace = %s AND typrelid = 0"
            "   AND typelem = 0),"
            " (SELECT count(*) FROM pg_inherits h JOIN pg_class t ON t.oid = h.inhrelid"
            "   WHERE t.relnamespace = %s)"
            " FROM pg_class WHERE relnamespace = %s",
            [nsp, nsp, nsp, nsp],
        )
        others, sequences, identities, types, inherits = cursor.fetchone()
        if others or sequences != identities or types or inherits:
            return None
        # Definitions print unqualified names for what the search path sees: the template only.
        cursor.execute("SELECT current_setting('search_path')")
        (search_path,) = cursor.fetchone()
        cursor.execute("SELECT set_config('search_path', %s, true)", [_q(template)])
        cursor.execute(
            "SELECT c.oid, c.relname, c.relpersistence, c.reloptions FROM pg_class c"
            " WHERE c.relnamespace = %s AND c.relkind = 'r' ORDER BY c.oid",
            [nsp],
        )
        tables = cursor.fetchall()
        create, copy, sequence_positions, constraints, foreign_keys, indexes = (
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for oid, table, persistence, options in tables:
            cursor.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
                " pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,"
                " CASE WHEN a.attcollation <> t.typcollation THEN co.collname END"
                " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                " LEFT JOIN pg_collation co ON co.oid = a.attcollation"
                " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped"
                " ORDER BY a.attnum",
                [oid],
            )
            columns, copied = [], []
            for name, kind, not_null, default, identity, generated, collation in cursor.fetchall():
                column = f"{_q(name)} {kind}"
                if collation:
                    column += f" COLLATE {_q(collation)}"
                if identity:
                    when = "ALWAYS" if identity == "a" else "BY DEFAULT"
                    column += f" GENERATED {when} AS IDENTITY"
                elif generated:
                    stored = " STORED" if generated == "s" else ""
                    column += f" GENERATED ALWAYS AS ({default}){stored}"
                elif default is not None:
                    column += f" DEFAULT {default}"
                if not_null:
                    column += " NOT NULL"
                columns.append(column)
                if not generated:
                    copied.append(_q(name))
                if identity:
                    cursor.execute(
                        "SELECT pg_get_serial_sequence(%s, %s)",
                        [f"{_q(template)}.{_q(table)}", name],
                    )
                    (sequence,) = cursor.fetchone()
                    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                    last, called = cursor.fetchone()
                    if called:
                        sequence_positions.append(
                            f"SELECT setval(pg_get_serial_sequence("
                            f"'{TARGET}.{_q(table)}', '{name}'), {int(last)}, true);"
                        )
            unlogged = "UNLOGGED " if persistence == "u" else ""
            storage = f" WITH ({', '.join(options)})" if options else ""
            create.append(
                f"CREATE {unlogged}TABLE {TARGET}.{_q(table)} ({', '.join(columns)}){storage};"
            )
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(template)}.{_q(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                names = ", ".join(copied)
                source = f"{_q(template)}.{_q(table)}"  # quoted identifiers, from the catalog
                copy.append(
                    f"INSERT INTO {TARGET}.{_q(table)} ({names}) OVERRIDING SYSTEM VALUE "  # noqa: S608
                    f"SELECT {names} FROM {source};"
                )
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s AND contype IN ('p', 'u', 'c', 'x', 'f') ORDER BY oid",
                [oid],
            )
            for name, kind, definition in cursor.fetchall():
                statement = (
                    f"ALTER TABLE {TARGET}.{_q(table)} ADD CONSTRAINT {_q(name)} "
                    f"{_retarget(definition, template)};"
                )
                (foreign_keys if kind == "f" else constraints).append(statement)
            cursor.execute(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = i.indrelid"
                "  AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))"
                " ORDER BY i.indexrelid",
                [oid],
            )
            for (definition,) in cursor.fetchall():
                definition = _retarget(definition, template)
                if f" ON {TARGET}." not in definition:
                    definition = definition.replace(" ON ", f" ON {TARGET}.", 1)
                indexes.append(definition + ";")
        cursor.execute(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = %s"
            " ORDER BY p.oid",
            [nsp],
        )
        functions = [_retarget(row[0], template) + ";" for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c"
            " ON c.oid = t.tgrelid WHERE c.relnamespace = %s AND NOT t.tgisinternal"
            " ORDER BY t.oid",
            [nsp],
        )
        triggers = [_retarget(row[0], template) + ";" for row in cursor.fetchall()]
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    return [f"CREATE SCHEMA {TARGET};", *create, *copy, *sequence_positions, *constraints,
            *indexes, *foreign_keys, *functions, *triggers]  # fmt: skip
