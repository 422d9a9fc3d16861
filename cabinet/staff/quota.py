"""How many distinct client records a staff member may open per hour (the owner sets it per
person): a crafted loop over ids hits the wall after a handful, not after the whole base."""

from django.core.cache import cache
from django.utils import timezone

from rbac.models import User

HOUR = 3600


def _bucket() -> str:
    return timezone.now().strftime("%Y%m%d%H")


def quota_limit(staff: User) -> int | None:
    if staff.is_superuser:
        return None
    profile = getattr(staff, "staff_profile", None)
    return profile.read_quota_per_hour if profile else 50


def quota_consume(staff: User, client_id: int) -> bool:
    """Count this read; False when it is over the person's hourly quota (the read must then be
    refused). Reading the same client again within the hour is free."""
    limit = quota_limit(staff)
    if limit is None:
        return True
    bucket = _bucket()
    count_key = f"staff-quota:{staff.pk}:{bucket}"
    if cache.add(f"{count_key}:{client_id}", 1, HOUR):
        cache.add(count_key, 0, HOUR)
        count = cache.incr(count_key)
        if count > limit:
            cache.delete(f"{count_key}:{client_id}")  # a refused read does not count as seen
            return False
    return True


def quota_first_refusal(staff: User) -> bool:
    """True once per hour per person: when the owner should be told."""
    return cache.add(f"staff-quota-alert:{staff.pk}:{_bucket()}", 1, HOUR)


EXPORTS_PER_HOUR = 3


def export_allowed(staff: User) -> bool:
    """At most EXPORTS_PER_HOUR client exports per person per hour."""
    key = f"clients-export:{staff.pk}:{_bucket()}"
    cache.add(key, 0, HOUR)
    return cache.incr(key) <= EXPORTS_PER_HOUR
