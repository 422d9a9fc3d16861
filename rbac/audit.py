"""Writing to the tenant's audit log. Every staff write and every staff read of a client's data
goes through `audit_record` (the staff back office adds the reads)."""

import hashlib
from typing import Any

from django.http import HttpRequest

from rbac.models import AuditEntry, User
from tenants.client_address import client_ip as request_client_ip

IMPERSONATION_SESSION_KEY = "kabinet_impersonation"


def client_ip(request: HttpRequest | None) -> str | None:
    # The address behind our trusted proxies (TRUSTED_PROXY_COUNT), never one a client wrote.
    return request_client_ip(request) if request is not None else None


def _type_of(target: Any) -> str:
    """A model's name ("user"), also through request.user's SimpleLazyObject."""
    meta = getattr(target, "_meta", None)
    return getattr(meta, "model_name", None) or type(target).__name__.lower()


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    target: Any = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        **_entry_fields(
            action=action,
            actor=actor,
            actor_label=actor_label,
            target=target,
            changes=changes,
            reason=reason,
            request=request,
        )
    )


def audit_record_many(
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    entries: list[tuple[Any, dict[str, Any]]],
    request: HttpRequest | None = None,
) -> int:
    """One entry per (target, changes), written in one statement (a bulk action's rows)."""
    rows = [
        AuditEntry(
            **_entry_fields(
                action=action,
                actor=actor,
                actor_label=actor_label,
                target=target,
                changes=changes,
                request=request,
            )
        )
        for target, changes in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _entry_fields(
    *,
    action: str,
    actor: User | None,
    actor_label: str,
    target: Any,
    changes: dict[str, Any] | None,
    request: HttpRequest | None,
    reason: str = "",
) -> dict[str, Any]:
    session_hash, impersonated_by = "", ""
    if request is not None:
        key = getattr(request.session, "session_key", None) or ""
        session_hash = hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""
        impersonation = request.session.get(IMPERSONATION_SESSION_KEY) or {}
        impersonated_by = impersonation.get("by", "")
        if actor is None and getattr(request, "user", None) and request.user.is_authenticated:
            actor = request.user
    return {
        "actor": actor,
        "actor_label": actor_label or (actor.email if actor else "system"),
        "action": action,
        "target_type": _type_of(target) if target is not None else "",
        "target_id": str(getattr(target, "pk", "") or "") if target is not None else "",
        "changes": changes or {},
        "reason": reason[:500],
        "ip": client_ip(request),
        "session_hash": session_hash,
        "impersonated_by": impersonated_by,
    }


def audit_prune(*, retention_days: int) -> int:
    """Delete entries older than the retention period — the only delete the database allows on
    the audit log — and record that it happened, with how many went."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=retention_days)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL kabinet.audit_prune = 'on'")
        deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL kabinet.audit_prune = 'off'")
        audit_record(
            action="audit.pruned",
            actor_label="system",
            changes={"deleted": deleted, "before": cutoff.isoformat()},
            reason=f"retention of {retention_days} days",
        )
    return deleted
