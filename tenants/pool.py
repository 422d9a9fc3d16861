"""The warm pool: spare schemas cloned ahead of time from each vertical's template, so a signup
only renames one (a catalogue update, milliseconds whatever the schema's size). A refill task
keeps the pool full; spares built from an older template are discarded, never handed out."""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, quote_schema_name

from tenants.cluster import cluster_active, node_loads, schema_distribute, schema_nodes
from tenants.models import SpareSchema, Tenant
from tenants.schema_templates import clone_template, drop_schema, template_version
from tenants.verticals import vertical_keys

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoolReport:
    vertical: str
    created: int
    discarded: int
    ready: int


def pool_size() -> int:
    return settings.TENANT_POOL_SIZE


def spare_claim(*, vertical: str, new_schema_name: str) -> bool:
    """Inside the caller's transaction: rename a current spare of this vertical to the new
    schema's name. False when the pool has none (the caller then clones the template)."""
    spare = None
    for pk in _claim_order(vertical):
        spare = SpareSchema.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if spare is not None:
            break
    if spare is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER SCHEMA {quote_schema_name(spare.schema_name)} "
            f"RENAME TO {quote_schema_name(new_schema_name)}"
        )
    spare.delete()
    return True


def _claim_order(vertical: str) -> list[int]:
    """Current spares of a vertical, oldest first; on a Citus cluster, those on the worker with
    the fewest cabinets first (a spare is distributed already, so the claim places the cabinet)."""
    spares = list(
        SpareSchema.objects.filter(vertical=vertical, template_version=template_version(vertical))
        .order_by("created_at")
        .values_list("pk", "schema_name")
    )
    if len(spares) < 2 or not cluster_active():
        return [pk for pk, _name in spares]
    cabinets = Tenant.objects.exclude(schema_name=get_public_schema_name())
    loads = node_loads(list(cabinets.values_list("schema_name", flat=True)))
    nodes = schema_nodes([name for _pk, name in spares])
    unplaced = max(loads.values(), default=0) + 1
    return [
        pk
        for pk, name in sorted(
            spares,
            key=lambda spare: loads.get(nodes.get(spare[1]), unplaced),  # type: ignore[arg-type]
        )
    ]


def clone_into_place(new_schema_name: str, *, vertical: str) -> None:
    """Clone a vertical's template into a new schema, inside the caller's transaction; on a
    Citus cluster the schema is then distributed (its tables become one colocated group on a
    worker) by `citus_schema_distribute` — measured faster than cloning under
    `citus.enable_schema_based_sharding` (README: Beyond one machine). Templates stay local to
    the coordinator: they are only ever read by a clone."""
    clone_template(new_schema_name, vertical=vertical)
    if cluster_active():
        schema_distribute(new_schema_name)


def _discard_stale(vertical: str) -> int:
    stale = SpareSchema.objects.filter(vertical=vertical).exclude(
        template_version=template_version(vertical)
    )
    discarded = 0
    for spare in stale:
        with transaction.atomic():
            locked = (
                SpareSchema.objects.select_for_update(skip_locked=True).filter(pk=spare.pk).first()
            )
            if locked is None:
                continue
            drop_schema(locked.schema_name)
            locked.delete()
            discarded += 1
    return discarded


def _add_spare(vertical: str) -> None:
    name = f"spare_{uuid.uuid4().hex[:16]}"
    with transaction.atomic():
        clone_into_place(name, vertical=vertical)
        SpareSchema.objects.create(
            schema_name=name, vertical=vertical, template_version=template_version(vertical)
        )


def pool_refill(*, vertical: str | None = None, size: int | None = None) -> list[PoolReport]:
    """Discard stale spares and clone new ones until each vertical has `size` ready."""
    target = pool_size() if size is None else size
    reports = []
    for each in [vertical] if vertical else vertical_keys():
        connection.set_schema_to_public()
        with _refill_lock(each) as acquired:
            if not acquired:  # another worker is refilling this vertical right now
                continue
            reports.append(_refill_vertical(each, target))
    return reports


@contextmanager
def _refill_lock(vertical: str) -> Iterator[bool]:
    """One refill per vertical at a time across every worker (a session advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"kabinet-pool-{vertical}"])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(hashtext(%s))", [f"kabinet-pool-{vertical}"]
                )


def _refill_vertical(vertical: str, target: int) -> PoolReport:
    discarded = _discard_stale(vertical)
    current = SpareSchema.objects.filter(
        vertical=vertical, template_version=template_version(vertical)
    ).count()
    created = 0
    for _ in range(max(0, target - current)):
        _add_spare(vertical)
        created += 1
    if created or discarded:
        logger.info("pool %s: +%d spare(s), -%d stale", vertical, created, discarded)
    return PoolReport(vertical, created, discarded, current + created)


def pool_status() -> dict[str, dict[str, int]]:
    status = {}
    for vertical in vertical_keys():
        spares = SpareSchema.objects.filter(vertical=vertical)
        current = spares.filter(template_version=template_version(vertical)).count()
        status[vertical] = {"ready": current, "stale": spares.count() - current}
    return status
