from typing import Any

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from cabinet.models import Branding, ClientProfile
from cabinet.starter import seed_upcoming_events
from rbac.models import User
from tenants.models import Tenant, Vertical
from tenants.signals import tenant_provisioned

# A starting palette per vertical; the owner changes it in the back office.
VERTICAL_COLOURS = {
    Vertical.HOTEL: ("#0f6e6e", "#e8a33d"),
    Vertical.SHOP: ("#7a2e8f", "#f2b705"),
    Vertical.SCHOOL: ("#1d4fa3", "#e4572e"),
}


@receiver(tenant_provisioned)
def set_up_new_cabinet(sender: type[Tenant], tenant: Tenant, **kwargs: Any) -> None:
    """Branding from the tenant's name and vertical, and its dated starter content."""
    primary, accent = VERTICAL_COLOURS.get(tenant.vertical, ("#1f5f8b", "#e0a100"))
    Branding.objects.create(display_name=tenant.name, primary_colour=primary, accent_colour=accent)
    seed_upcoming_events(tenant.vertical)


@receiver(user_signed_up)
def create_client_profile(sender: type, request: object, user: User, **kwargs: Any) -> None:
    """Every person who registers in the cabinet is a client with a profile staff can serve."""
    if not user.is_staff:
        ClientProfile.objects.get_or_create(user=user)
