"""Writes on tenants. Each service owns its transaction."""

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, quote_schema_name, tenant_context

from tenants.models import Domain, Tenant, TenantStatus
from tenants.schema_templates import clone_template
from tenants.signals import tenant_provisioned
from tenants.slugs import normalize_slug, schema_name_for


@dataclass(frozen=True)
class OwnerSpec:
    """Who gets the owner account of a new cabinet (created by rbac's receiver)."""

    email: str
    password: str
    full_name: str = ""


def platform_domain_for(slug: str) -> str:
    return f"{slug}.{settings.PLATFORM_DOMAIN}"


def public_tenant_ensure() -> Tenant:
    """The row that routes the platform's own host to the `public` schema."""
    connection.set_schema_to_public()
    with transaction.atomic():
        tenant, _created = Tenant.objects.get_or_create(
            schema_name=get_public_schema_name(),
            defaults={"slug": "public", "name": "Kabinet", "status": TenantStatus.ACTIVE},
        )
        Domain.objects.get_or_create(
            domain=settings.PLATFORM_DOMAIN, defaults={"tenant": tenant, "is_primary": True}
        )
    return tenant


def tenant_provision(
    *,
    slug: str,
    name: str,
    vertical: str,
    owner: OwnerSpec,
    language: str = "en",
    status: str = TenantStatus.TRIAL,
) -> Tenant:
    """Create a tenant, its domain and its schema (a clone of the template), and let the apps
    above set it up — all in one transaction, so a failure leaves nothing behind."""
    slug = normalize_slug(slug)
    if Tenant.objects.filter(slug__iexact=slug).exists():
        raise ValidationError(_("This address is already taken."), code="taken")
    connection.set_schema_to_public()
    try:
        with transaction.atomic():
            tenant = Tenant(
                schema_name=schema_name_for(slug),
                slug=slug,
                name=name,
                vertical=vertical,
                status=status,
                default_language=language,
            )
            tenant.save()
            Domain.objects.create(domain=platform_domain_for(slug), tenant=tenant, is_primary=True)
            clone_template(tenant.schema_name)
            with tenant_context(tenant):
                tenant_provisioned.send(sender=Tenant, tenant=tenant, owner=owner)
    except IntegrityError as exc:
        raise ValidationError(_("This address is already taken."), code="taken") from exc
    return tenant


def tenant_media_root(tenant: Tenant) -> Path:
    return Path(settings.MEDIA_ROOT) / tenant.schema_name


def tenant_destroy(*, tenant: Tenant) -> None:
    """Drop a tenant's schema, rows and files. Irreversible; lifecycle rules come on top."""
    if tenant.is_public:
        raise ValueError("the public tenant cannot be destroyed")
    connection.set_schema_to_public()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema_name(tenant.schema_name)} CASCADE")
        tenant.delete()
    shutil.rmtree(tenant_media_root(tenant), ignore_errors=True)
