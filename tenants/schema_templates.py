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
    """Clone the base template and seed the vertical's starter content into it."""
    name = template_schema_name(vertical)
    connection.set_schema_to_public()
    drop_schema(name)
    CloneSchema().clone_schema(template_schema_name(), name, clone_mode="DATA")
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
    new_schema_name: str, *, vertical: str = "", template: str | None = None
) -> None:
    """Copy a template into a new schema, inside the caller's transaction; refuse a template
    whose recorded migrations differ from the code's."""
    name = template or template_schema_name(vertical)
    _check_template(name)
    connection.set_schema_to_public()
    if schema_exists(new_schema_name, case_sensitive=False):
        raise ValueError(f"schema {new_schema_name} exists already")
    _clone_function_ready()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [name, new_schema_name])
