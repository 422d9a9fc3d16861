from django.db import connection

from cabinet.models import Branding


def branding_get() -> Branding:
    """The current tenant's branding; an unsaved default when the tenant has none yet."""
    branding = Branding.objects.first()
    if branding is None:
        tenant = getattr(connection, "tenant", None)
        branding = Branding(display_name=getattr(tenant, "name", "") or "Kabinet")
    return branding
