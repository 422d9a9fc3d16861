from typing import Any

from django.dispatch import receiver

from rbac.models import User
from tenants.models import Tenant
from tenants.services import OwnerSpec
from tenants.signals import tenant_provisioned


@receiver(tenant_provisioned)
def create_owner(sender: type[Tenant], tenant: Tenant, owner: OwnerSpec, **kwargs: Any) -> None:
    """The business owner's account, in the new tenant's schema (we are inside it)."""
    User.objects.create_superuser(
        email=owner.email,
        password=owner.password,
        full_name=owner.full_name,
        language=tenant.default_language,
    )
