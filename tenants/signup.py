"""A business signs up: its cabinet is provisioned and its owner handed over to it, signed in.

Signups are limited per client (every attempt from one address, SIGNUP_PER_CLIENT_PER_HOUR)
and per owner's email address (valid signups for one address, SIGNUP_PER_ADDRESS_PER_DAY), on
the page and through the API alike, in the platform's cache (not a tenant's: one count
whichever host is asked)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from tenants.client_address import client_ip
from tenants.forms import SignupForm
from tenants.handoff import handoff_sign, handoff_url
from tenants.models import Tenant, TenantStatus
from tenants.pages import port_suffix
from tenants.services import OwnerSpec, platform_domain_for, tenant_provision


class SignupRateLimited(Exception):
    """Too many signups from this client or for this address; try again in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def signup_client(request: HttpRequest) -> str:
    """The client's address behind our trusted proxies (TRUSTED_PROXY_COUNT): the one allauth's
    rate limits, the throttles and the audit log use."""
    return client_ip(request)


def _count(key: str, *, limit: int, window: int) -> None:
    bucket = int(time.time()) // window
    cache, full_key = caches["platform"], f"signup-rate:{key}:{bucket}"
    cache.add(full_key, 0, window + 60)
    if cache.incr(full_key) > limit:
        raise SignupRateLimited(retry_after=window - int(time.time()) % window)


def signup_attempt_count(*, client: str) -> None:
    """One more signup attempt from `client`; raises SignupRateLimited past the hourly limit."""
    _count(f"client:{client}", limit=settings.SIGNUP_PER_CLIENT_PER_HOUR, window=3600)


def signup_address_count(*, email: str) -> None:
    """One more valid signup for this owner's address; raises past the daily limit."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    _count(f"address:{digest}", limit=settings.SIGNUP_PER_ADDRESS_PER_DAY, window=86400)


def tenant_signup(*, form: SignupForm) -> Tenant:
    """Provision the cabinet described by a valid form. Raises ValidationError (on `slug`)
    when another signup took the address meanwhile."""
    data = form.cleaned_data
    try:
        return tenant_provision(
            slug=data["slug"],
            name=data["business_name"],
            vertical=data["vertical"],
            owner=OwnerSpec(
                email=data["owner_email"],
                password=data["password"],
                full_name=data.get("owner_name", ""),
            ),
            language=data["language"],
            time_zone=data.get("time_zone") or "UTC",
            status=TenantStatus.TRIAL,
        )
    except ValidationError as exc:
        form.add_error("slug", exc)
        raise


def cabinet_host(request: HttpRequest, tenant: Tenant) -> str:
    """The tenant's host as reached from this request (same scheme and port)."""
    return platform_domain_for(tenant.slug) + port_suffix(request)


def cabinet_url(request: HttpRequest, tenant: Tenant) -> str:
    return f"{request.scheme}://{cabinet_host(request, tenant)}/"


def owner_handoff_url(
    request: HttpRequest,
    tenant: Tenant,
    email: str,
    *,
    impersonator: str = "",
    reason: str = "",
    landing: str = "",
) -> str:
    token = handoff_sign(schema_name=tenant.schema_name, email=email, impersonator=impersonator,
                         reason=reason, landing=landing)  # fmt: skip
    return handoff_url(scheme=request.scheme, host=cabinet_host(request, tenant), token=token)
