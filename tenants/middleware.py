"""Resolve the request's host to a tenant and point the connection at its schema.

Unlike django-tenants' stock TenantMainMiddleware, a known host costs no query: the tenant comes
from tenants.routing's in-process cache, and the schema is only recorded on the connection —
django-tenants issues `SET search_path` lazily, when (and if) the view runs its first query.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.utils import timezone

from tenants import pages
from tenants.activity import activity_touch
from tenants.models import TenantStatus
from tenants.routing import router

MAX_HOSTNAME_LENGTH = 253
# What a suspended cabinet still answers: monitoring, and its owner's way to billing.
SUSPENDED_SERVED_PATHS = (
    "/health/",
    "/static/",
    "/accounts/",
    "/staff/handoff/",
    "/staff/billing/",
)
UNAVAILABLE_SERVED_PATHS = ("/health/", "/static/")
# The writes a read-only cabinet still accepts: signing in and out, and paying.
READ_ONLY_WRITABLE_PATHS = ("/accounts/login/", "/accounts/logout/", "/staff/handoff/",
                            "/staff/billing/")  # fmt: skip
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Raw Host header -> host name (or None when refused), so the ALLOWED_HOSTS check and the parsing
# run once per distinct header in a process, not on every request (a fifth of what routing cost
# per request). Keyed on the settings it depends on; dropped whole when it holds too many.
_host_names: dict[tuple[str, int, bool, bool], str | None] = {}
MAX_HOST_NAMES = 20_000


def hostname_from_request(request: HttpRequest) -> str | None:
    """The lower-cased host name without port or trailing dot; None when the header is unusable."""
    raw = request._get_raw_host()
    key = (raw, id(settings.ALLOWED_HOSTS), settings.DEBUG, settings.USE_X_FORWARDED_HOST)
    try:
        return _host_names[key]
    except KeyError:
        pass
    try:
        host = request.get_host()
    except DisallowedHost:
        domain = None
    else:
        domain, _port = split_domain_port(host)
        if not domain or len(domain) > MAX_HOSTNAME_LENGTH:
            domain = None
    if len(_host_names) >= MAX_HOST_NAMES:
        _host_names.clear()
    _host_names[key] = domain
    return domain


class TenantRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hostname = hostname_from_request(request)
        if hostname is None:
            return pages.bad_host(request)
        tenant = router.resolve(hostname)
        if tenant is None:
            return pages.no_such_cabinet(request, hostname)

        request.tenant = tenant  # type: ignore[attr-defined]
        db = connections[DEFAULT_DB_ALIAS]  # one thread-local lookup, not one per attribute
        if db.schema_name != tenant.schema_name:
            db.set_tenant(tenant)
        else:
            # Same schema as this connection's last request: keep the search_path already set.
            db.tenant = tenant
        is_public = tenant.is_public
        if is_public:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF  # type: ignore[attr-defined]
        # A cabinet's is ROOT_URLCONF, which Django sets at the start of every request already.
        if tenant.is_unavailable:
            served = (
                SUSPENDED_SERVED_PATHS
                if tenant.status == TenantStatus.SUSPENDED
                else UNAVAILABLE_SERVED_PATHS
            )
            if not request.path.startswith(served):
                return pages.cabinet_unavailable(request, tenant)
        elif (
            tenant.status == TenantStatus.READ_ONLY
            and request.method not in SAFE_METHODS
            and not request.path.startswith(READ_ONLY_WRITABLE_PATHS)
        ):
            return pages.cabinet_read_only(request, tenant)
        if tenant.time_zone == settings.TIME_ZONE:
            # The default zone is the business's already (nothing activated survives a request).
            response = self.get_response(request)
        else:
            timezone.activate(tenant.zone)  # every time shown or typed is the business's own
            try:
                response = self.get_response(request)
            finally:
                timezone.deactivate()
        if not is_public:
            activity_touch(tenant)
        return response
