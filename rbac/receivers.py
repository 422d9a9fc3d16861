from typing import Any

from django.dispatch import receiver

from rbac.audit import audit_record
from rbac.models import User
from tenants.models import Tenant
from tenants.services import OwnerSpec
from tenants.signals import tenant_provisioned, tenant_status_changed


@receiver(tenant_provisioned)
def create_owner(sender: type[Tenant], tenant: Tenant, owner: OwnerSpec, **kwargs: Any) -> None:
    """The business owner's account, in the new tenant's schema (we are inside it)."""
    user = User.objects.create_superuser(
        email=owner.email,
        password=owner.password,
        full_name=owner.full_name,
        language=tenant.default_language,
    )
    audit_record(action="tenant.created", actor=user, target=user)


@receiver(tenant_status_changed)
def audit_status_change(
    sender: type[Tenant],
    tenant: Tenant,
    from_status: str,
    to_status: str,
    actor_label: str,
    reason: str,
    **kwargs: Any,
) -> None:
    audit_record(
        action="tenant.status_changed",
        actor_label=f"platform: {actor_label}",
        changes={"status": [from_status, to_status]},
        reason=reason,
    )
