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


@shared_task(name="tenants.run_schema_moves", platform_level=True, acks_late=True,
             time_limit=3600, soft_time_limit=3500)  # fmt: skip
def run_schema_moves(move_ids: list[int]) -> dict[str, int]:
    """Move cabinets between the workers of a Citus cluster, live; idempotent (a move that is
    not queued any more is skipped)."""
    from tenants.placement import moves_run

    return moves_run(move_ids)


@shared_task(name="tenants.place_new_cabinet", platform_level=True, acks_late=True)
def place_new_cabinet(tenant_id: int) -> int | None:
    """After a signup on a cluster: queue the new cabinet's move to the least loaded worker
    when it landed elsewhere."""
    from tenants.models import Tenant
    from tenants.placement import new_cabinet_placement

    tenant = Tenant.objects.filter(pk=tenant_id).first()
    move = new_cabinet_placement(tenant) if tenant else None
    return move.pk if move else None
