"""The owner's custom domains (/staff/domains/): add one, publish its TXT record, verify it,
make it the cabinet's main address. A name another cabinet holds is not a dead end: the page
shows the TXT record that proves it is this cabinet's, and "Take over" moves it here."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import owner_required
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record
from tenants.domains import (
    UNVERIFIED_CLAIM_DAYS,
    claim_expires_at,
    claim_record,
    domain_add,
    domain_make_primary,
    domain_remove,
    domain_take_over,
    domain_verify,
    held_by_another,
    normalize_hostname,
    verification_record,
)
from tenants.models import Domain
from tenants.selectors import domain_get_for, domain_list_for

HOSTNAME_MAX_INPUT = 300


def _domain(request: HttpRequest, pk: int) -> Domain:
    try:
        return domain_get_for(tenant=request.tenant, pk=pk)
    except Domain.DoesNotExist as exc:
        raise Http404 from exc


def _back(*, claim: str = "") -> HttpResponseRedirect:
    url = reverse("staff:domains")
    return HttpResponseRedirect(f"{url}?{urlencode({'claim': claim})}" if claim else url)


def _claim(request: HttpRequest) -> dict | None:
    """The name in ?claim= when another cabinet holds it: what proves it is this cabinet's."""
    try:
        name = normalize_hostname(request.GET.get("claim", "")[:HOSTNAME_MAX_INPUT])
    except ValidationError:
        return None
    if not held_by_another(tenant=request.tenant, hostname=name):
        return None
    record_name, value = claim_record(tenant=request.tenant, hostname=name)
    return {"domain": name, "record": (record_name, value)}


@require_GET
@owner_required
def domain_list(request: HttpRequest) -> HttpResponse:
    domains = [
        (domain, None if domain.is_verified else verification_record(domain),
         claim_expires_at(domain))
        for domain in domain_list_for(tenant=request.tenant)
    ]  # fmt: skip
    return render_cabinet(
        request,
        "staff/domain_list.html",
        {"domains": domains, "claim": _claim(request), "claim_days": UNVERIFIED_CLAIM_DAYS},
    )


@require_POST
@owner_required
def domain_create(request: HttpRequest) -> HttpResponse:
    hostname = request.POST.get("hostname", "")[:HOSTNAME_MAX_INPUT]
    try:
        domain = domain_add(
            tenant=request.tenant, hostname=hostname, actor_label=request.user.email
        )
    except ValidationError as exc:
        if exc.code == "taken" and held_by_another(
            tenant=request.tenant, hostname=exc.params["domain"]
        ):
            messages.error(
                request,
                _("%(domain)s is connected to another cabinet. If the domain is yours, prove it "
                  "below and take it over.") % {"domain": exc.params["domain"]},
            )  # fmt: skip
            return _back(claim=exc.params["domain"])
        messages.error(request, " ".join(exc.messages))
        return _back()
    audit_record(action="domain.added", target=domain, changes={"domain": domain.domain},
                 request=request)  # fmt: skip
    messages.success(
        request,
        _("%(domain)s added: publish its TXT record, then verify.") % {"domain": domain.domain},
    )
    return _back()


@require_POST
@owner_required
def domain_takeover(request: HttpRequest) -> HttpResponse:
    hostname = request.POST.get("hostname", "")[:HOSTNAME_MAX_INPUT]
    try:
        domain = domain_take_over(
            tenant=request.tenant, hostname=hostname, actor_label=request.user.email
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(claim=hostname.strip())
    audit_record(action="domain.taken_over", target=domain, changes={"domain": domain.domain},
                 request=request)  # fmt: skip
    messages.success(
        request,
        _("%(domain)s is now this cabinet's and opens it.") % {"domain": domain.domain},
    )
    return _back()


@require_POST
@owner_required
def domain_check(request: HttpRequest, pk: int) -> HttpResponse:
    domain = _domain(request, pk)
    if domain_verify(domain=domain, actor_label=request.user.email):
        audit_record(action="domain.verified", target=domain, request=request)
        messages.success(
            request,
            _("%(domain)s is verified and now opens this cabinet.") % {"domain": domain.domain},
        )
    else:
        messages.error(
            request,
            _("The TXT record for %(domain)s was not found yet.") % {"domain": domain.domain},
        )
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
