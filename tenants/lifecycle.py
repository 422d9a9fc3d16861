"""A tenant's status is a state machine; every move is audited (who, when, why) in the
platform's trail and, through `tenant_status_changed`, in the tenant's own audit log."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.models import Tenant, TenantEvent
from tenants.models import TenantStatus as S
from tenants.signals import tenant_status_changed
from tenants.tasks_base import task_named

TRANSITIONS: dict[str, frozenset[str]] = {
    S.TRIAL: frozenset({S.ACTIVE, S.PAST_DUE, S.SUSPENDED, S.ARCHIVED}),
    S.ACTIVE: frozenset({S.PAST_DUE, S.SUSPENDED, S.ARCHIVED}),
    S.PAST_DUE: frozenset({S.ACTIVE, S.GRACE, S.SUSPENDED}),
    S.GRACE: frozenset({S.ACTIVE, S.READ_ONLY, S.SUSPENDED}),
    S.READ_ONLY: frozenset({S.ACTIVE, S.SUSPENDED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.ACTIVE, S.PURGED}),
    S.PURGED: frozenset(),
}


@dataclass(frozen=True)
class Actor:
    """Who did it: a platform admin (id and email), or the system."""

    label: str = "system"
    id: int | None = None


SYSTEM = Actor()


def allowed_transitions(tenant: Tenant) -> list[str]:
    # Purging has its own service with a typed confirmation; it is never a plain move.
    return sorted(TRANSITIONS.get(tenant.status, frozenset()) - {S.PURGED})


def tenant_transition(*, tenant: Tenant, to: str, actor: Actor, reason: str) -> TenantEvent:
    """Move a tenant to status `to`, if the state machine allows it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the reason goes into the audit log."), code="reason")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if to not in TRANSITIONS.get(locked.status, frozenset()) or to == S.PURGED:
            raise ValidationError(
                _("A tenant cannot go from %(from)s to %(to)s.")
                % {"from": locked.get_status_display(), "to": to},
                code="transition",
            )
        previous = locked.status
        locked.status = to
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
        event = TenantEvent.objects.create(
            tenant=locked,
            kind=TenantEvent.Kind.STATUS,
            from_status=previous,
            to_status=to,
            actor_id=actor.id,
            actor_label=actor.label,
            reason=reason[:500],
        )
        with tenant_context(locked):
            tenant_status_changed.send(
                sender=Tenant,
                tenant=locked,
                from_status=previous,
                to_status=to,
                actor_label=actor.label,
                reason=reason,
            )
        if to == S.ARCHIVED:
            export_tenant = task_named("tenants.export_tenant")

            transaction.on_commit(lambda: export_tenant.delay(locked.pk))
    tenant.status, tenant.status_changed_at = locked.status, locked.status_changed_at
    return event


def purge_allowed_from(tenant: Tenant) -> timezone.datetime:
    return tenant.status_changed_at + timedelta(days=settings.TENANT_PURGE_RETENTION_DAYS)
