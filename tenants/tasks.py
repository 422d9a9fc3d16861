"""Platform-level tasks: they run in the public schema."""

from celery import shared_task

from tenants.pool import pool_refill


@shared_task(name="tenants.pool_refill", platform_level=True, acks_late=True)
def refill_pool(vertical: str | None = None) -> int:
    """Top up the warm pool; idempotent (it only ever adds up to the target size)."""
    return sum(report.created for report in pool_refill(vertical=vertical))


@shared_task(name="tenants.export_tenant", platform_level=True, acks_late=True)
def export_tenant(tenant_id: int) -> str:
    """Keep an export of an archived tenant; safe to repeat (each run writes a new file)."""
    from tenants.export import tenant_export
    from tenants.models import Tenant

    return tenant_export(tenant=Tenant.objects.get(pk=tenant_id)).name


@shared_task(name="tenants.backup_all", platform_level=True, acks_late=True, time_limit=3600,
             soft_time_limit=3500)  # fmt: skip
def backup_all() -> dict[str, str]:
    """Hourly: a backup of every serving tenant whose night it is (03:00 on its own clock),
    BACKUP_KEEP kept here and in the bucket."""
    from tenants.backup import backup_all as run
    from tenants.tasks_base import NIGHT_HOUR

    return run(at_local_hour=NIGHT_HOUR)


@shared_task(name="tenants.release_deferred", platform_level=True, acks_late=True)
def release_deferred() -> int:
    """Every few seconds: send the deferred tasks that are due (quiet-hours deliveries, digests,
    retries with a long back-off, the nightly fan-out's offsets)."""
    from tenants.deferred import deferred_release

    return deferred_release()
