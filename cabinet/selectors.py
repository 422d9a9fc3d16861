from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from cabinet.models import Branding, CatalogItem, Event, InfoPage
from rbac.models import User

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


@dataclass(frozen=True)
class StaffOverview:
    clients: int
    staff: int
    catalog_items: int
    upcoming_events: int
    info_pages: int


def staff_overview() -> StaffOverview:
    """Counts for the back office's front page (the owner's first look at a new cabinet)."""
    users = User.objects.aggregate(
        clients=Count("pk", filter=Q(is_staff=False)), staff=Count("pk", filter=Q(is_staff=True))
    )
    return StaffOverview(
        clients=users["clients"],
        staff=users["staff"],
        catalog_items=CatalogItem.objects.filter(is_active=True).count(),
        upcoming_events=Event.objects.filter(starts_at__gte=timezone.now()).count(),
        info_pages=InfoPage.objects.count(),
    )
