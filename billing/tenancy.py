"""Which tenant a billing call is about: the one the connection is in, unless told otherwise."""

from django.db import connection
from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant


def billed_tenant(tenant: Tenant | None = None) -> Tenant:
    """The tenant the current call bills.

    Without `tenant`, the connection's tenant: a call from the `public` schema names no tenant
    and is refused. With `tenant`, that tenant — from `public` (platform tasks, the control
    panel) or from inside that same tenant; naming another tenant than the one the connection
    is in is refused, so one cabinet's code cannot bill (or read) another's usage.
    """
    public = get_public_schema_name()
    schema = connection.schema_name
    if tenant is not None:
        if tenant.pk is None or tenant.schema_name == public:
            raise ValueError("billing needs a saved tenant, not the public schema")
        if schema not in (public, tenant.schema_name):
            raise ValueError(
                f"billing was asked about tenant {tenant.schema_name!r} while the connection "
                f"is in {schema!r}"
            )
        return tenant
    if not schema or schema == public:
        raise ValueError(
            "billing was called in the public schema without a tenant: call it inside "
            "tenant_context(...) or pass tenant="
        )
    current = connection.tenant
    if isinstance(current, Tenant) and current.pk is not None:
        return current
    # schema_context() and set_schema() leave a stand-in that knows only the schema's name.
    try:
        return Tenant.objects.get(schema_name=schema)
    except Tenant.DoesNotExist:
        raise ValueError(
            f"schema {schema!r} belongs to no tenant (a template or spare schema?): billing "
            "has no one to bill"
        ) from None
