"""The owner's custom domains (/staff/domains/): add one, publish its TXT record, verify it,
make it the cabinet's main address."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cabinet.rendering import render_cabinet
from cabinet.staff.access import owner_required
from rbac.audit import audit_record
from tenants.domains import (
    domain_add,
    domain_make_primary,
    domain_remove,
    domain_verify,
    verification_record,
)
from tenants.models import Domain
from tenants.selectors import domain_get_for, domain_list_for


def _domain(request: HttpRequest, pk: int) -> Domain:
    try:
        return domain_get_for(tenant=request.tenant, pk=pk)
    except Domain.DoesNotExist as exc:
        raise Http404 from exc


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("staff:domains"))


@require_GET
@owner_required
def domain_list(request: HttpRequest) -> HttpResponse:
    domains = [
        (domain, None if domain.is_verified else verification_record(domain))
        for domain in domain_list_for(tenant=request.tenant)
    ]
    return render_cabinet(request, "staff/domain_list.html", {"domains": domains})


@require_POST
@owner_required
def domain_create(request: HttpRequest) -> HttpResponse:
    hostname = request.POST.get("hostname", "")[:300]
    try:
        domain = domain_add(
            tenant=request.tenant, hostname=hostname, actor_label=request.user.email
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back()
    audit_record(action="domain.added", target=domain, changes={"domain": domain.domain},
                 request=request)  # fmt: skip
    messages.success(request, f"{domain.domain} added: publish its TXT record, then verify.")
    return _back()


@require_POST
@owner_required
def domain_check(request: HttpRequest, pk: int) -> HttpResponse:
    domain = _domain(request, pk)
    if domain_verify(domain=domain, actor_label=request.user.email):
        audit_record(action="domain.verified", target=domain, request=request)
        messages.success(request, f"{domain.domain} is verified and now opens this cabinet.")
    else:
        messages.error(request, f"The TXT record for {domain.domain} was not found yet.")
    return _back()


@require_POST
@owner_required
def domain_primary(request: HttpRequest, pk: int) -> HttpResponse:
    domain = _domain(request, pk)
    try:
        domain_make_primary(domain=domain, actor_label=request.user.email)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit_record(action="domain.primary", target=domain, request=request)
    return _back()


@require_POST
@owner_required
def domain_delete(request: HttpRequest, pk: int) -> HttpResponse:
    domain = _domain(request, pk)
    try:
        domain_remove(domain=domain, actor_label=request.user.email)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit_record(action="domain.removed", changes={"domain": domain.domain}, request=request)
    return _back()
