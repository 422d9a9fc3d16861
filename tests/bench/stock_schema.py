"""How django-tenants creates a tenant schema when there is no template: what
TenantMixin.create_schema does (CREATE SCHEMA, then every tenant migration run into it), as a
drop-in for tenants.schema_templates.clone_template. Used by the provisioning benchmark's mode (c)
in-process and, through tests.bench.stock_signup_urls, in the server."""

from django.core.management import call_command
from django.db import connection
from django_tenants.utils import quote_schema_name


def create_schema_by_migrations(
    new_schema_name: str, *, vertical: str = "", template: str | None = None
) -> None:
    """CREATE SCHEMA + `migrate_schemas --tenant --schema=<name>`, in the caller's transaction.
    `vertical` and `template` are accepted for clone_template's signature and ignored: a stock
    schema gets no starter content."""
    del vertical, template
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(new_schema_name)}")
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=new_schema_name,
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()


def no_spare(*, vertical: str, new_schema_name: str) -> bool:
    """Stand-in for tenants.pool.spare_claim: django-tenants has no warm pool."""
    del vertical, new_schema_name
    return False


def install() -> None:
    """Make tenants.services.tenant_provision create schemas the stock way, in this process."""
    import tenants.services

    tenants.services.spare_claim = no_spare
    tenants.services.clone_template = create_schema_by_migrations
