"""The clone from the template's own DDL (tenants.schema_templates.template_ddl) makes the same
schema as the template and as django-tenants' clone_schema function: same tables, columns,
defaults, constraints, indexes, functions, triggers and rows, and identity sequences that continue
after the copied rows. The function names a UNIQUE constraint anew (`<table>_<columns>_key`, not
Django's `..._uniq`); the DDL clone keeps every name, so the vertical templates (cloned from the
base by it) keep the names Django's migrations gave."""

from django.db import connection
from django_tenants.clone import CloneSchema

from tenants.schema_templates import (
    clone_template,
    drop_schema,
    template_ddl,
    template_schema_name,
)

SIGNATURE = """
SELECT 'col', c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' nn=' || a.attnotnull::text || ' id=' || a.attidentity::text
       || ' gen=' || a.attgenerated::text
       || ' def=' || coalesce(replace(pg_get_expr(d.adbin, d.adrelid), %(schema)s || '.', ''), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind = 'r' AND a.attnum > 0
   AND NOT a.attisdropped
UNION ALL
SELECT 'con', c.relname || ' ' || k.conname || ' ' || k.contype::text || ' '
       || replace(pg_get_constraintdef(k.oid), %(schema)s || '.', '')
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
 WHERE c.relnamespace = %(schema)s::regnamespace AND k.contype <> 'n'
UNION ALL
SELECT 'idx', replace(pg_get_indexdef(i.indexrelid), %(schema)s || '.', '')
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = %(schema)s::regnamespace
UNION ALL
SELECT 'trg', replace(pg_get_triggerdef(t.oid), %(schema)s || '.', '')
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = %(schema)s::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'fn', p.proname || ' ' || md5(p.prosrc)
  FROM pg_proc p WHERE p.pronamespace = %(schema)s::regnamespace
UNION ALL
SELECT 'rel', c.relkind::text || ' ' || c.relname
  FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind <> 'i'
"""


def signature(schema: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(SIGNATURE, {"schema": schema})
        rows = cursor.fetchall()
    # Identity sequences are named after their table; index names are the same text.
    return sorted(rows)


def unique_names_blurred(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows with each UNIQUE constraint's name left out (`con <table> <name> u ...`)."""
    blurred = []
    for kind, text in rows:
        parts = text.split(" ", 3)
        if kind == "con" and len(parts) == 4 and parts[2] == "u":
            text = " ".join([parts[0], "<unique>", *parts[2:]])
        blurred.append((kind, text))
    return sorted(blurred)


def unnamed_unique(index: str) -> str:
    """A normalized index definition with a UNIQUE index's name left out."""
    if index.startswith("CREATEUNIQUEINDEX") and "ON" in index:
        return "CREATEUNIQUEINDEX<name>" + index[index.index("ON", len("CREATEUNIQUEINDEX")) :]
    return index


def normalized(row: tuple[str, str]) -> str:
    """An index definition without the casts and brackets a re-parse may move."""
    text = row[1]
    for noise in ("::text[]", "::text", "::character varying", "(", ")", " "):
        text = text.replace(noise, "")
    return text


def row_counts(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r'",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def test_the_ddl_clone_equals_the_template_and_the_function_clone(db):
    template = template_schema_name("hotel")
    assert template_ddl(template) is not None, "the template holds something the DDL cannot copy"
    try:
        clone_template("ddl_clone_check", vertical="hotel")
        CloneSchema().clone_schema(template, "fn_clone_check", clone_mode="DATA")
        connection.set_schema_to_public()
        wanted = signature(template)
        assert len(wanted) > 500
        ours = signature("ddl_clone_check")
        # Both clones re-parse index definitions, which may print an equivalent predicate
        # differently from the template's (an ARRAY cast moved): they must agree with each other,
        # and with the template on everything else and on every index's name.
        assert [row for row in ours if row[0] != "idx"] == [
            row for row in wanted if row[0] != "idx"
        ]
        function_clone = signature("fn_clone_check")
        assert unique_names_blurred([row for row in function_clone if row[0] != "idx"]) == (
            unique_names_blurred([row for row in wanted if row[0] != "idx"])
        )
        assert [normalized(row) for row in ours if row[0] == "idx"] == [
            normalized(row) for row in wanted if row[0] == "idx"
        ]
        assert sorted(
            unnamed_unique(normalized(row)) for row in function_clone if row[0] == "idx"
        ) == sorted(unnamed_unique(normalized(row)) for row in wanted if row[0] == "idx")
        counts = row_counts(template)
        assert sum(counts.values()) > 0, "the hotel template should hold starter rows"
        assert row_counts("ddl_clone_check") == counts
        # The identity of a table with copied rows continues after them.
        with connection.cursor() as cursor:
            cursor.execute('SELECT max(id) FROM "ddl_clone_check".django_migrations')
            (highest,) = cursor.fetchone()
            cursor.execute(
                'INSERT INTO "ddl_clone_check".django_migrations (app, name, applied) '
                "VALUES ('x', 'y', now()) RETURNING id"
            )
            assert cursor.fetchone()[0] > highest
    finally:
        connection.set_schema_to_public()
        drop_schema("ddl_clone_check")
        drop_schema("fn_clone_check")


def test_the_ddl_declines_a_template_holding_a_view_so_clone_template_uses_the_function(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA tpl_odd")
        cursor.execute("CREATE TABLE tpl_odd.t (id integer)")
        cursor.execute("CREATE VIEW tpl_odd.v AS SELECT id FROM tpl_odd.t")
    try:
        assert template_ddl("tpl_odd") is None
        assert template_ddl(template_schema_name("shop")) is not None
    finally:
        drop_schema("tpl_odd")
