"""Which worker of a Citus cluster each cabinet lives on, and moving it there live.

    move_request(tenant, node_id, actor, reason)   an admin's move: a queued SchemaMove
    rebalance_request(actor)                       moves that spread cabinets evenly, one batch
    new_cabinet_placement(tenant)                  a new cabinet to the least loaded worker
    moves_run(ids)                                 (the task) perform queued moves, in order

A move runs `citus_schema_move` in the worker process, outside any transaction: the cabinet keeps
serving reads and writes while its tables are copied (logical replication), and writes wait only
for the final catch-up. Each finished move is audited on the platform's trail (TenantEvent
`moved`, with who asked, why, from where to where and how long it took).
"""

import time
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from tenants.cluster import (
    Node,
    cluster_active,
    least_loaded,
    node_loads,
    rebalance_plan,
    schema_move,
    schema_nodes,
    schema_sizes,
    worker_nodes,
)
from tenants.lifecycle import Actor
from tenants.models import SchemaMove, Tenant, TenantEvent, TenantStatus
from tenants.tasks_base import task_named

SYSTEM = Actor(label="system", id=None)


def _one_postgresql() -> str:
    return _("This platform runs on one PostgreSQL: there is no node to move to.")


def cabinet_schemas() -> list[str]:
    """The schemas of cabinets (not `public`, templates, spares, nor purged tenants)."""
    return list(
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .exclude(status=TenantStatus.PURGED)
        .values_list("schema_name", flat=True)
    )


def cluster_overview() -> dict:
    """What the control panel shows: each worker with its cabinets and bytes, and each
    cabinet's node and size. Three catalogue queries plus one size round trip per node."""
    tenants = list(
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .exclude(status=TenantStatus.PURGED)
        .order_by("name")
        .only("pk", "name", "slug", "schema_name", "status")
    )
    placements = schema_nodes([tenant.schema_name for tenant in tenants])
    sizes = schema_sizes()
    nodes = worker_nodes()
    per_node = {node: {"node": node, "cabinets": 0, "bytes": 0} for node in nodes}
    rows = []
    for tenant in tenants:
        node = placements.get(tenant.schema_name)
        size = sizes.get(tenant.schema_name, 0)
        if node in per_node:
            per_node[node]["cabinets"] += 1
            per_node[node]["bytes"] += size
        rows.append({"tenant": tenant, "node": node, "bytes": size})
    return {"nodes": list(per_node.values()), "rows": rows, "worker_nodes": nodes}


def tenant_node(tenant: Tenant) -> tuple[Node | None, int]:
    """A cabinet's node and size in bytes (None, 0 when it is not distributed)."""
    node = schema_nodes([tenant.schema_name]).get(tenant.schema_name)
    return node, schema_sizes().get(tenant.schema_name, 0) if node else 0


def _queue(
    tenant: Tenant, target: Node, *, actor: Actor, reason: str, batch: str = ""
) -> SchemaMove:
    source = schema_nodes([tenant.schema_name]).get(tenant.schema_name)
    return SchemaMove.objects.create(
        tenant=tenant, batch=batch, source=source.label if source else "",
        target_node_id=target.node_id, target=target.label, actor_id=actor.id,
        actor_label=actor.label, reason=reason,
    )  # fmt: skip


def _enqueue(moves: list[SchemaMove]) -> None:
    run_schema_moves = task_named("tenants.run_schema_moves")
    ids = [move.pk for move in moves]
    if ids:
        transaction.on_commit(lambda: run_schema_moves.delay(ids))


def move_request(*, tenant: Tenant, node_id: int, actor: Actor, reason: str) -> SchemaMove:
    """An admin asks for a cabinet to move to another worker; the move runs in a worker."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ValidationError(_("Say why: the reason goes into the audit log."), code="reason")
    if not cluster_active():
        raise ValidationError(_one_postgresql(), code="cluster")
    target = next((node for node in worker_nodes() if node.node_id == node_id), None)
    if target is None:
        raise ValidationError(_("Choose one of the cluster's workers."), code="node")
    current = schema_nodes([tenant.schema_name]).get(tenant.schema_name)
    if current is None:
        raise ValidationError(_("This cabinet's schema is not distributed."), code="local")
    if current == target:
        raise ValidationError(_("The cabinet is on that node already."), code="same")
    if SchemaMove.objects.filter(
        tenant=tenant, state__in=[SchemaMove.State.QUEUED, SchemaMove.State.RUNNING]
    ).exists():
        raise ValidationError(_("A move of this cabinet is under way already."), code="busy")
    with transaction.atomic():
        move = _queue(tenant, target, actor=actor, reason=reason)
        _enqueue([move])
    return move


def rebalance_request(*, actor: Actor) -> tuple[str, int]:
    """Plan the moves that leave every worker within one cabinet of the others and queue them
    as one batch; (batch, number of moves). Nothing to do gives ("", 0)."""
    if not cluster_active():
        raise ValidationError(_one_postgresql(), code="cluster")
    if SchemaMove.objects.filter(
        state__in=[SchemaMove.State.QUEUED, SchemaMove.State.RUNNING]
    ).exists():
        raise ValidationError(_("Moves are under way: wait for them to finish."), code="busy")
    placements = schema_nodes(cabinet_schemas())
    plan = rebalance_plan(placements, worker_nodes())
    if not plan:
        return "", 0
    batch = uuid.uuid4().hex
    planned = Tenant.objects.filter(schema_name__in=[schema for schema, _node in plan])
    by_schema = {tenant.schema_name: tenant for tenant in planned}
    with transaction.atomic():
        moves = [
            _queue(by_schema[schema], target, actor=actor, batch=batch,
                   reason=_("Rebalance: spread cabinets evenly over the workers"))
            for schema, target in plan
        ]  # fmt: skip
        _enqueue(moves)
    return batch, len(moves)


def new_cabinet_placement(tenant: Tenant) -> SchemaMove | None:
    """After a signup: when the new cabinet's worker holds more cabinets than the least loaded
    one (not counting the new cabinet), queue its move there. None when it is well placed."""
    if not cluster_active():
        return None
    schemas = [name for name in cabinet_schemas() if name != tenant.schema_name]
    loads = node_loads(schemas)
    current = schema_nodes([tenant.schema_name]).get(tenant.schema_name)
    if not loads or current is None:
        return None
    target = least_loaded(loads)
    if loads.get(current, 0) <= loads[target]:
        return None
    with transaction.atomic():
        reason = "placement: a new cabinet goes to the least loaded worker"
        move = _queue(tenant, target, actor=SYSTEM, reason=reason)
        _enqueue([move])
    return move


def move_perform(move: SchemaMove) -> SchemaMove:
    """Run one queued move (in a worker, outside any transaction) and audit it."""
    claimed = SchemaMove.objects.filter(pk=move.pk, state=SchemaMove.State.QUEUED).update(
        state=SchemaMove.State.RUNNING
    )
    if not claimed:  # done already, or another worker has it: idempotent
        move.refresh_from_db()
        return move
    tenant = move.tenant
    target = next((n for n in worker_nodes() if n.node_id == move.target_node_id), None)
    started = time.monotonic()
    try:
        if target is None:
            raise RuntimeError(f"node {move.target} is no longer a worker")
        current = schema_nodes([tenant.schema_name]).get(tenant.schema_name)
        if current != target:
            connection.set_schema_to_public()
            schema_move(tenant.schema_name, target)
    except Exception as exc:  # any failure is recorded on the move and shown
        move.state, move.error = SchemaMove.State.FAILED, str(exc)[:2000]
    else:
        move.state = SchemaMove.State.DONE
    move.seconds = round(time.monotonic() - started, 2)
    move.finished_at = timezone.now()
    with transaction.atomic():
        move.save(update_fields=["state", "error", "seconds", "finished_at"])
        if move.state == SchemaMove.State.DONE:
            TenantEvent.objects.create(
                tenant=tenant, kind=TenantEvent.Kind.MOVED, actor_id=move.actor_id,
                actor_label=move.actor_label, reason=move.reason,
                detail={"from": move.source, "to": move.target, "seconds": move.seconds,
                        "batch": move.batch},
            )  # fmt: skip
    return move


def moves_run(ids: list[int]) -> dict[str, int]:
    """Perform the given queued moves one after another; a failed one does not stop the rest."""
    counts = {"done": 0, "failed": 0}
    queued = SchemaMove.objects.filter(pk__in=ids, state=SchemaMove.State.QUEUED)
    for move in queued.select_related("tenant").order_by("pk"):
        result = move_perform(move)
        if result.state in counts:
            counts[result.state] += 1
    return counts


def batch_progress(batch: str) -> dict[str, int]:
    """How far a rebalance got: moves per state, and the total."""
    counts = dict.fromkeys(SchemaMove.State.values, 0)
    for state in SchemaMove.objects.filter(batch=batch).values_list("state", flat=True):
        counts[state] += 1
    counts["total"] = sum(counts.values())
    return counts
