"""Host -> tenant resolution that costs nothing on the hot path.

Each process keeps a dict of host -> Tenant. A request for a known host makes no query at all;
the dict is dropped when the shared routing version (a key in the `platform` cache, bumped after
any Tenant or Domain change commits) differs from the one this process loaded under. The version
key is read at most once every TENANT_ROUTING_RECHECK_SECONDS, so invalidation across processes
does not add a round trip to every request: a change reaches every process within that interval.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from tenants.models import Domain, Tenant

logger = logging.getLogger(__name__)

VERSION_KEY = "tenants:routing-version"
# Unknown hosts are remembered too (so a flood of them cannot reach the database), up to this many.
MAX_UNKNOWN_HOSTS = 10_000

Lookup = Callable[[str], Tenant | None]


def lookup_tenant_by_host(hostname: str) -> Tenant | None:
    """A fresh Tenant instance per host name; it is shared by every request to that host in
    this process, so treat it as read-only."""
    connection.set_schema_to_public()
    domain = (
        Domain.objects.select_related("tenant").filter(domain=hostname, is_verified=True).first()
    )
    if domain is None:
        return None
    domain.tenant.domain_url = hostname  # as django-tenants' own middleware sets it
    return domain.tenant


def read_routing_version() -> str | None:
    return caches["platform"].get(VERSION_KEY)


def bump_routing_version() -> None:
    caches["platform"].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    router.forget()


class HostRouter:
    def __init__(
        self,
        *,
        lookup: Lookup = lookup_tenant_by_host,
        read_version: Callable[[], str | None] = read_routing_version,
        recheck_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._read_version = read_version
        self._recheck_seconds = recheck_seconds
        self._clock = clock
        self._known: dict[str, Tenant] = {}
        self._unknown: set[str] = set()
        self._version: str | None = None
        self._checked_at: float | None = None
        # Bumped whenever the cache is dropped: a lookup that started before a drop must not
        # store its (possibly stale) answer after it.
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def recheck_seconds(self) -> float:
        if self._recheck_seconds is not None:
            return self._recheck_seconds
        return settings.TENANT_ROUTING_RECHECK_SECONDS

    def forget(self) -> None:
        with self._lock:
            self._drop()
            self._checked_at = None

    def _drop(self) -> None:
        self._known = {}
        self._unknown = set()
        self._generation += 1

    def resolve(self, hostname: str) -> Tenant | None:
        self._revalidate()
        tenant = self._known.get(hostname)
        if tenant is not None or hostname in self._unknown:
            return tenant
        generation = self._generation
        tenant = self._lookup(hostname)
        with self._lock:
            if generation != self._generation:
                return tenant  # the cache was dropped meanwhile: answer, but do not keep it
            if tenant is not None:
                self._known[hostname] = tenant
            else:
                if len(self._unknown) >= MAX_UNKNOWN_HOSTS:
                    self._unknown = set()
                self._unknown.add(hostname)
        return tenant

    def _revalidate(self) -> None:
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self.recheck_seconds:
            return
        try:
            version = self._read_version()
        except Exception:  # the shared cache is down: keep routing from what we know
            logger.warning("routing version unreadable; keeping the host cache", exc_info=True)
            with self._lock:
                self._checked_at = now
            return
        with self._lock:
            if version != self._version or self._checked_at is None:
                self._drop()
                self._version = version
            self._checked_at = now


router = HostRouter()
