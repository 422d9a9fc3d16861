"""A business signs up: its cabinet is provisioned and its owner handed over to it, signed in."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from tenants.forms import SignupForm
from tenants.handoff import handoff_sign, handoff_url
from tenants.models import Tenant, TenantStatus
from tenants.pages import port_suffix
from tenants.services import OwnerSpec, platform_domain_for, tenant_provision


def tenant_signup(*, form: SignupForm) -> Tenant:
    """Provision the cabinet described by a valid form. Raises ValidationError (on `slug`)
    when another signup took the address meanwhile."""
    data = form.cleaned_data
    try:
        return tenant_provision(
            slug=data["slug"],
            name=data["business_name"],
            vertical=data["vertical"],
            owner=OwnerSpec(email=data["owner_email"], password=data["password"]),
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
    request: HttpRequest, tenant: Tenant, email: str, *, impersonator: str = "", reason: str = ""
) -> str:
    token = handoff_sign(
        schema_name=tenant.schema_name, email=email, impersonator=impersonator, reason=reason
    )
    return handoff_url(scheme=request.scheme, host=cabinet_host(request, tenant), token=token)
