"""Writing to the tenant's audit log. Every staff write and every staff read of a client's data
goes through `audit_record` (the staff back office adds the reads)."""

import hashlib
from typing import Any

from django.http import HttpRequest

from rbac.models import AuditEntry, User

IMPERSONATION_SESSION_KEY = "kabinet_impersonation"


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: behind a proxy, the proxy layer must set it from a trusted header.
    return request.META.get("REMOTE_ADDR") if request is not None else None


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
    session_hash, impersonated_by = "", ""
    if request is not None:
        key = getattr(request.session, "session_key", None) or ""
        session_hash = hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""
        impersonation = request.session.get(IMPERSONATION_SESSION_KEY) or {}
        impersonated_by = impersonation.get("by", "")
        if actor is None and getattr(request, "user", None) and request.user.is_authenticated:
            actor = request.user
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label or (actor.email if actor else "system"),
        action=action,
        target_type=_type_of(target) if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        changes=changes or {},
        reason=reason[:500],
        ip=client_ip(request),
        session_hash=session_hash,
        impersonated_by=impersonated_by,
    )


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
