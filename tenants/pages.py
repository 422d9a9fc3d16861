"""Pages the router answers with before any tenant's view runs. They render without touching
the database, so they cannot fail on a host that has no schema."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django.utils.translation import gettext as _

from tenants.models import Tenant, TenantStatus


def bad_host(request: HttpRequest) -> HttpResponse:
    return render(request, "public/bad_host.html", status=400)


def port_suffix(request: HttpRequest) -> str:
    """`:<port>` when the address the visitor used named one (a development server), else "".

    The port comes from the Host header, not from the port the server listens on: behind the
    production proxy the server is on :8000 while visitors use https on 443, and a link to
    `https://…:8000/` would lead nowhere."""
    _domain, port = split_domain_port(request.get_host())
    return f":{port}" if port and port not in ("80", "443") else ""


def platform_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{settings.PLATFORM_DOMAIN}{port_suffix(request)}/"


def no_such_cabinet(request: HttpRequest, hostname: str) -> HttpResponse:
    context = {"hostname": hostname, "platform_url": platform_url(request)}
    return render(request, "public/no_such_cabinet.html", context, status=404)


def cabinet_unavailable(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    gone = tenant.status in {TenantStatus.ARCHIVED, TenantStatus.PURGED}
    return render(
        request,
        "public/cabinet_unavailable.html",
        {"cabinet_name": tenant.name, "gone": gone},
        status=410 if gone else 403,
    )


def cabinet_read_only(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    message = _("This cabinet is read-only for now: nothing can be changed.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(message)}, status=403)
    return render(
        request,
        "public/cabinet_unavailable.html",
        {"cabinet_name": tenant.name, "read_only": True, "message": message},
        status=403,
    )
