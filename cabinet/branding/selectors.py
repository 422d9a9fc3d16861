"""The current cabinet's brand, cached per tenant."""

from django.core.cache import cache
from django.db import connection

from cabinet.branding.models import Branding

BRANDING_CACHE_KEY = "cabinet:branding"
BRANDING_CACHE_SECONDS = 300


def branding_get() -> Branding:
    """The current tenant's branding (cached per tenant; services forget it on change); an
    unsaved default when the tenant has none yet."""
    branding = cache.get(BRANDING_CACHE_KEY)
    if branding is not None:
        return branding
    branding = Branding.objects.first()
    if branding is None:
        tenant = getattr(connection, "tenant", None)
        return Branding(display_name=getattr(tenant, "name", "") or "Kabinet")
    cache.set(BRANDING_CACHE_KEY, branding, BRANDING_CACHE_SECONDS)
    return branding


def branding_forget() -> None:
    cache.delete(BRANDING_CACHE_KEY)
