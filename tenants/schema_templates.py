"""The pre-migrated template schema every tenant schema is cloned from.

Cloning copies tables *and* the template's django_migrations rows, so a template behind the code
would produce a schema that claims migrations it lacks. `clone_template` therefore refuses a
template with pending or unknown migrations; `ensure_template` rebuilds it.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.clone import CloneSchema
from django_tenants.utils import get_app_label, quote_schema_name, schema_context, schema_exists


class TemplateOutOfDate(RuntimeError):
    pass


def template_schema_name() -> str:
    return settings.TENANT_TEMPLATE_SCHEMA


def _tenant_app_labels() -> set[str]:
    return {get_app_label(app) for app in settings.TENANT_APPS}


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


def build_template(schema_name: str | None = None) -> None:
    """(Re)create the template schema from scratch by running every tenant migration."""
    name = schema_name or template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema_name(name)} CASCADE")
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(name)}")
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def ensure_template(schema_name: str | None = None) -> bool:
    """Make the template current; True when it had to be (re)built."""
    name = schema_name or template_schema_name()
    if schema_exists(name) and not migration_drift(name):
        return False
    build_template(name)
    drift = migration_drift(name)
    if drift:
        raise TemplateOutOfDate(f"template {name} still lacks {', '.join(drift)} after a rebuild")
    return True


def clone_template(new_schema_name: str, *, template: str | None = None) -> None:
    """Copy the template into a new schema, inside the caller's transaction."""
    name = template or template_schema_name()
    if not schema_exists(name):
        raise TemplateOutOfDate(f"template schema {name} does not exist; run ensure_template")
    drift = migration_drift(name)
    if drift:
        raise TemplateOutOfDate(f"template schema {name} is out of date: {', '.join(drift)}")
    CloneSchema().clone_schema(name, new_schema_name, clone_mode="DATA", set_connection=True)
