"""A cabinet's tables as the code knows them, found with index lookups and copied with COPY.

The catalog of a database with thousands of cabinets holds millions of pg_class rows, and
PostgreSQL has no index on pg_class.relnamespace alone: `WHERE relnamespace = X`, pg_tables and
information_schema filtered by schema read all of it, and so does pg_dump whatever it dumps.
Here a schema's relations are found through the dependency every table, view and sequence has on
its schema (pg_depend's index on the referenced object), then by oid: index lookups whose cost
does not grow with the number of schemas in the database. The names the code knows come from the
tenant apps' models (with Django's auto-created m2m tables) and django_migrations.

What this module reads and writes:

- `schema_tables`: the schema's tables and what else it holds that is not a known table or its
  identity sequence (a view, a table no model names, a free-standing sequence);
- `write_tables`: inside the caller's snapshot, one `COPY ... TO STDOUT` file per table and the
  positions of the identity sequences;
- `load_tables`: `COPY ... FROM STDIN` of each file into the tables of a schema our code built.
"""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection
from psycopg import sql

from tenants.schema_templates import _tenant_app_labels

# A table name as Django makes them for our apps: what may name a file of the archive.
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
TABLES_FOLDER = "tables"
COPY_SUFFIX = ".copy"


class BackupError(RuntimeError):
    pass


@functools.cache
def known_tables() -> frozenset[str]:
    """Every table the code puts in a tenant schema: the concrete, managed models of the tenant
    apps (with the m2m tables Django creates for them) and django_migrations."""
    names = {"django_migrations"}
    for label in _tenant_app_labels():
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                names.add(model._meta.db_table)
    return frozenset(names)


def table_file(table: str) -> str:
    return f"{TABLES_FOLDER}/{table}{COPY_SUFFIX}"


# The schema's relations by their dependency on the schema (pg_depend_reference_index), then by
# oid (pg_class_oid_index); an index's dependency is on its table, so indexes are not listed.
_RELATIONS = """
SELECT c.oid, c.relname, c.relkind FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %s AND d.refobjsubid = 0
  AND d.classid = 'pg_class'::regclass AND d.deptype = 'n'
"""
# The table column each of those sequences belongs to (pg_depend_depender_index).
_SEQUENCE_OWNERS = """
SELECT d.objid, d.refobjid, a.attname FROM pg_depend d
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.objid = ANY(%s) AND d.objsubid = 0
  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
"""
# Columns by table oid (pg_attribute_relid_attnum_index); generated ones are not copied.
_COLUMNS = """
SELECT attrelid, attname FROM pg_attribute
WHERE attrelid = ANY(%s) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
ORDER BY attrelid, attnum
"""


@dataclass(frozen=True)
class SchemaTables:
    tables: dict[str, int]  # name: oid, the schema's tables (relkind r, p)
    sequences: dict[tuple[str, str], str]  # (table, column): the identity sequence's name
    strangers: list[str]  # what the schema holds that is no known table or its sequence


def schema_oid(schema_name: str) -> int | None:
    with connection.cursor() as cursor:
        # The system cache's lookup by name: an index, never a scan, however small the catalog.
        cursor.execute("SELECT to_regnamespace(quote_ident(%s))::oid", [schema_name])
        return cursor.fetchone()[0]


def schema_tables(schema_name: str) -> SchemaTables:
    """The schema's tables, their identity sequences and anything else in it, by index lookups."""
    nsp = schema_oid(schema_name)
    if nsp is None:
        return SchemaTables({}, {}, [])
    with connection.cursor() as cursor:
        cursor.execute(_RELATIONS, [nsp])
        relations = cursor.fetchall()
        tables = {name: oid for oid, name, kind in relations if kind in ("r", "p")}
        sequence_oids = {oid: name for oid, name, kind in relations if kind == "S"}
        cursor.execute(_SEQUENCE_OWNERS, [list(sequence_oids)])
        names_by_oid = {oid: name for name, oid in tables.items()}
        sequences, owned = {}, set()
        for sequence, table, column in cursor.fetchall():
            if table in names_by_oid:
                sequences[(names_by_oid[table], column)] = sequence_oids[sequence]
                owned.add(sequence)
    known = known_tables()
    strangers = sorted(
        [f"table {name}" for name in tables if name not in known]
        + [f"sequence {name}" for oid, name in sequence_oids.items() if oid not in owned]
        + [
            f"relation {name} (kind {kind})"
            for _oid, name, kind in relations
            if kind not in ("r", "p", "S")
        ]
    )
    return SchemaTables(tables, sequences, strangers)


def table_columns(table_oids: Iterable[int]) -> dict[int, list[str]]:
    columns: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COLUMNS, [list(table_oids)])
        for oid, name in cursor.fetchall():
            columns.setdefault(oid, []).append(name)
    return columns


def _table(schema_name: str, table: str) -> sql.Composable:
    return sql.SQL("{}.{}").format(sql.Identifier(schema_name), sql.Identifier(table))


def _column_list(columns: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(column) for column in columns)


def write_tables(schema_name: str, into: Path) -> tuple[dict, dict]:
    """Inside the caller's (REPEATABLE READ) transaction: one COPY file per table of the schema
    under `into/tables/`, and ({table: {"columns": [...]}}, {table: {column: [last_value,
    is_called]}}) for the manifest. Refuses a schema holding what the code does not know."""
    found = schema_tables(schema_name)
    if found.strangers:
        raise BackupError(
            f"schema {schema_name!r} holds what the code does not know, which a backup would"
            f" leave out: {'; '.join(found.strangers[:10])} (drop it, or back the schema up"
            " in format 1)"
        )
    (into / TABLES_FOLDER).mkdir(parents=True, exist_ok=True)
    columns = table_columns(found.tables.values())
    tables = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3: its COPY support
        for name in sorted(found.tables):
            names = columns[found.tables[name]]
            statement = sql.SQL("COPY {} ({}) TO STDOUT").format(
                _table(schema_name, name), _column_list(names)
            )
            with (into / table_file(name)).open("wb") as out, raw.copy(statement) as copy:
                for chunk in copy:
                    out.write(chunk)
            tables[name] = {"columns": names}
        sequences: dict[str, dict[str, list]] = {}
        if found.sequences:
            keys = sorted(found.sequences)
            cursor.execute(
                sql.SQL(" UNION ALL ")
                .join(
                    sql.SQL("SELECT last_value, is_called FROM {}").format(
                        _table(schema_name, found.sequences[key])
                    )
                    for key in keys
                )
                .as_string(raw)
            )
            for (table, column), (last, called) in zip(keys, cursor.fetchall(), strict=True):
                sequences.setdefault(table, {})[column] = [last, called]
    return tables, sequences


def empty_tables(schema_name: str, tables: dict[str, int]) -> None:
    """Inside the caller's transaction, empty a schema our code just built (a template's starter
    content, a data migration's rows): DELETE of the tables that hold rows, few and small, where
    a TRUNCATE would give every table new files. Foreign keys are deferred, so the order does
    not matter; identity sequences are set afterwards (`set_sequences`). The tables' triggers
    are the code's own (the audit log refuses deletes): off meanwhile, in a schema nobody else
    sees yet."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute(
            sql.SQL(" UNION ALL ")
            .join(
                sql.SQL("SELECT {} WHERE EXISTS (SELECT FROM {})").format(
                    sql.Literal(name), _table(schema_name, name)
                )
                for name in sorted(tables)
            )
            .as_string(raw)
        )
        filled = [name for (name,) in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT tgrelid FROM pg_trigger WHERE tgrelid = ANY(%s) AND NOT tgisinternal",
            [[tables[name] for name in filled]],
        )
        triggered = {oid for (oid,) in cursor.fetchall()}
        for name in filled:
            table = _table(schema_name, name)
            if tables[name] in triggered:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table).as_string(raw)
                )
            cursor.execute(sql.SQL("DELETE FROM {}").format(table).as_string(raw))
            if tables[name] in triggered:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(table).as_string(raw)
                )


def load_tables(schema_name: str, tables: dict, folder: Path, *, role: str) -> None:
    """Inside the caller's transaction: COPY each table's file into the schema as `role`, which
    may insert into these tables and nothing else. The caller checked every name."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        targets = sql.SQL(", ").join(_table(schema_name, name) for name in sorted(tables))
        cursor.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}")
            .format(sql.Identifier(schema_name), sql.Identifier(role))
            .as_string(raw)
        )
        cursor.execute(
            sql.SQL("GRANT INSERT ON {} TO {}").format(targets, sql.Identifier(role)).as_string(raw)
        )
        cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)).as_string(raw))
        for name in sorted(tables):
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                _table(schema_name, name), _column_list(tables[name]["columns"])
            )
            with (folder / table_file(name)).open("rb") as source, raw.copy(statement) as copy:
                while chunk := source.read(1 << 16):
                    copy.write(chunk)
        cursor.execute("RESET ROLE")


def set_sequences(schema_name: str, sequences: dict[str, dict[str, list]]) -> None:
    """Each identity sequence where the backup found it."""
    with connection.cursor() as cursor:
        for table, columns in sorted(sequences.items()):
            for column, (last, called) in sorted(columns.items()):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s, %s)",
                    [
                        _table(schema_name, table).as_string(cursor.cursor),
                        column,
                        int(last),
                        bool(called),
                    ],
                )
