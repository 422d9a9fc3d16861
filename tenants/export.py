"""A tenant's data as one gzipped JSON file, kept when the tenant is archived."""

import gzip
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenants.models import Tenant, TenantEvent

# Rebuilt by migrations in any schema; not the tenant's data.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


def export_dir() -> Path:
    folder = Path(settings.TENANT_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tenant_export(*, tenant: Tenant) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    path = export_dir() / f"{tenant.slug}-{stamp}.json.gz"
    with tenant_context(tenant), gzip.open(path, "wt", encoding="utf-8") as out:
        call_command(
            "dumpdata",
            exclude=EXCLUDED,
            natural_foreign=True,
            natural_primary=True,
            stdout=out,
            verbosity=0,
        )
    TenantEvent.objects.create(
        tenant=tenant,
        kind=TenantEvent.Kind.EXPORT,
        detail={"file": path.name, "bytes": path.stat().st_size},
    )
    return path


def latest_export(tenant: Tenant) -> TenantEvent | None:
    return tenant.events.filter(kind=TenantEvent.Kind.EXPORT).first()
