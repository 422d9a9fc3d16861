"""When a cabinet was last used, for the control panel — written at most once per tenant every
ACTIVITY_RESOLUTION seconds per process, so the hot path stays free of writes."""

import logging
import threading
import time

from django.db import DatabaseError
from django.utils import timezone

from tenants.models import Tenant

logger = logging.getLogger(__name__)

ACTIVITY_RESOLUTION = 300.0

_written_at: dict[int, float] = {}
_lock = threading.Lock()


def activity_touch(tenant: Tenant) -> None:
    now = time.monotonic()
    with _lock:
        last = _written_at.get(tenant.pk)
        if last is not None and now - last < ACTIVITY_RESOLUTION:
            return
        _written_at[tenant.pk] = now
    try:
        Tenant.objects.filter(pk=tenant.pk).update(last_activity_at=timezone.now())
    except DatabaseError:
        logger.warning("could not record activity of %s", tenant.schema_name, exc_info=True)


def activity_forget() -> None:
    with _lock:
        _written_at.clear()
