"""Writes on tenants. Each service owns its transaction."""

import shutil
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, tenant_context

from tenants.cluster import cluster_active
from tenants.lifecycle import Actor, purge_allowed_from
from tenants.models import Domain, Tenant, TenantEvent, TenantStatus
from tenants.pool import clone_into_place, spare_claim
from tenants.schema_templates import drop_schema
from tenants.signals import tenant_provisioned, tenant_sign_out_everyone
from tenants.slugs import normalize_slug, schema_name_for
from tenants.tasks_base import task_named


@dataclass(frozen=True)
class OwnerSpec:
    """Who gets the owner account of a new cabinet (created by rbac's receiver)."""

    email: str
    password: str
    full_name: str = ""
    # Signup does not prove the address: the cabinet asks for verification at the first
    # password sign-in. Demo and test tenants are made with verified owners.
    email_verified: bool = False


def platform_domain_for(slug: str) -> str:
    return f"{slug}.{settings.PLATFORM_DOMAIN}"


def tenant_link(tenant: Tenant, path: str) -> str:
    """An absolute link into the cabinet for mail and messages read outside it: its main address,
    https in production, and the public port where one is set (development)."""
    scheme = "https" if settings.SECURE_COOKIES else "http"
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{scheme}://{tenant.get_primary_domain().domain}{port}{path}"


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
    time_zone: str = "UTC",
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
                time_zone=time_zone,
                owner_email=owner.email,
            )
            tenant.save()
            Domain.objects.create(domain=platform_domain_for(slug), tenant=tenant, is_primary=True)
            from_pool = spare_claim(vertical=vertical, new_schema_name=tenant.schema_name)
            if not from_pool:
                clone_into_place(tenant.schema_name, vertical=vertical)
            TenantEvent.objects.create(
                tenant=tenant,
                kind=TenantEvent.Kind.PROVISIONED,
                to_status=status,
                detail={"from_pool": from_pool, "vertical": vertical},
            )
            with tenant_context(tenant):
                tenant_provisioned.send(sender=Tenant, tenant=tenant, owner=owner)
            if vertical and settings.TENANT_POOL_SIZE:
                refill_pool = task_named("tenants.pool_refill")

                transaction.on_commit(lambda: refill_pool.delay(vertical))
            if cluster_active():
                place_new_cabinet = task_named("tenants.place_new_cabinet")

                transaction.on_commit(lambda: place_new_cabinet.delay(tenant.pk))
    except IntegrityError as exc:
        raise ValidationError(_("This address is already taken."), code="taken") from exc
    return tenant


def time_zone_clean(name: str) -> str:
    """A name from the IANA database ("Europe/Moscow"), or a ValidationError."""
    name = (name or "").strip()
    if name not in available_timezones():
        raise ValidationError(_("Choose a time zone from the list, e.g. Europe/Moscow."),
                              code="time_zone")  # fmt: skip
    return name


def tenant_time_zone_set(*, tenant: Tenant, time_zone: str) -> Tenant:
    """The business's local time; every process picks it up within a routing recheck."""
    tenant.time_zone = time_zone_clean(time_zone)
    tenant.save(update_fields=["time_zone"])
    return tenant


def tenant_media_root(tenant: Tenant) -> Path:
    return Path(settings.MEDIA_ROOT) / tenant.schema_name


def tenant_sign_everyone_out(*, tenant: Tenant, actor: Actor, reason: str) -> int:
    """A platform admin ends every session and API token of one cabinet (its own schema only);
    nobody is deactivated. Recorded on the platform's trail and in the cabinet's audit log."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ValidationError(_("Say why: the reason goes into the audit log."), code="reason")
    with transaction.atomic(), tenant_context(tenant):
        answers = tenant_sign_out_everyone.send(
            sender=Tenant, tenant=tenant, actor_label=actor.label, reason=reason
        )
        ended = sum(int(answer or 0) for _receiver, answer in answers)
        TenantEvent.objects.create(
            tenant=tenant, kind=TenantEvent.Kind.SIGN_OUT, actor_id=actor.id,
            actor_label=actor.label, reason=reason, detail={"sessions": ended},
        )  # fmt: skip
    return ended


def tenant_purge(*, tenant: Tenant, confirmation: str, actor: Actor) -> None:
    """Drop an archived tenant's schema and files for good, once its retention period is over,
    an export of its data is kept, and the admin typed the tenant's address to confirm."""
    from tenants.export import latest_export

    if tenant.status != TenantStatus.ARCHIVED:
        raise ValidationError(_("Only an archived tenant can be purged."), code="status")
    if (confirmation or "").strip().lower() != tenant.slug:
        raise ValidationError(_("Type the tenant's address to confirm."), code="confirmation")
    if timezone.now() < purge_allowed_from(tenant):
        raise ValidationError(
            _("The retention period runs until %(date)s.")
            % {"date": date_format(purge_allowed_from(tenant), "DATE_FORMAT")},
            code="retention",
        )
    if latest_export(tenant) is None:
        raise ValidationError(_("No export of this tenant's data is kept yet."), code="export")
    connection.set_schema_to_public()
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        drop_schema(locked.schema_name)
        locked.domains.all().delete()
        TenantEvent.objects.create(
            tenant=locked,
            kind=TenantEvent.Kind.STATUS,
            from_status=locked.status,
            to_status=TenantStatus.PURGED,
            actor_id=actor.id,
            actor_label=actor.label,
            reason="purged after the retention period",
        )
        locked.status = TenantStatus.PURGED
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
    shutil.rmtree(tenant_media_root(tenant), ignore_errors=True)
    tenant.status = TenantStatus.PURGED


def tenant_destroy(*, tenant: Tenant) -> None:
    """Drop a tenant's schema, rows and files. Irreversible; lifecycle rules come on top."""
    if tenant.is_public:
        raise ValueError("the public tenant cannot be destroyed")
    connection.set_schema_to_public()
    with transaction.atomic():
        drop_schema(tenant.schema_name)
        tenant.delete()
    shutil.rmtree(tenant_media_root(tenant), ignore_errors=True)
