from datetime import timedelta

from django.contrib.auth import login, logout
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.rendering import render_cabinet
from cabinet.staff.home import home_for
from rbac.audit import IMPERSONATION_SESSION_KEY, audit_record
from rbac.services import HandoffRefused, handoff_consume
from tenants.pages import platform_url

IMPERSONATION_MINUTES = 30


@require_http_methods(["GET", "POST"])
def handoff(request: HttpRequest) -> HttpResponse:
    """Arriving from the platform's host with a one-minute, single-use token. GET shows a page
    that posts the token back (so a link previewer fetching the URL cannot burn it)."""
    token = (request.POST.get("t") if request.method == "POST" else request.GET.get("t")) or ""
    if request.method == "GET":
        return render_cabinet(request, "staff/handoff.html", {"token": token[:4096]})
    try:
        user, arrival = handoff_consume(token=token, schema_name=connection.schema_name)
    except HandoffRefused:
        return render_cabinet(request, "staff/handoff_refused.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if arrival.impersonator:
        expires = timezone.now() + timedelta(minutes=IMPERSONATION_MINUTES)
        request.session[IMPERSONATION_SESSION_KEY] = {
            "by": arrival.impersonator,
            "reason": arrival.reason,
            "expires_at": expires.isoformat(),
        }
        audit_record(
            action="impersonation.started",
            actor=user,
            actor_label=f"platform: {arrival.impersonator} as {user.email}",
            reason=arrival.reason,
            request=request,
        )
    else:
        audit_record(action="login.handoff", actor=user, request=request)
        if arrival.landing == "brand" and user.is_superuser:  # just signed up: colours, logo
            return HttpResponseRedirect(reverse("staff:branding-start"))
    return HttpResponseRedirect(reverse("staff:home"))


@require_POST
def impersonation_exit(request: HttpRequest) -> HttpResponse:
    """The banner's *Exit*: the platform admin leaves the cabinet (signed out here, recorded)
    and goes back to this tenant's page in the control panel."""
    data = request.session.get(IMPERSONATION_SESSION_KEY)
    if not data or not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("staff:home"))
    audit_record(
        action="impersonation.ended",
        actor_label=f"platform: {data.get('by', '')} as {request.user.email}",
        reason=data.get("reason", ""),
        request=request,
    )
    logout(request)
    return HttpResponseRedirect(f"{platform_url(request)}control/tenants/{connection.tenant.pk}/")


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Each person's next actions, chosen by what they may do (cabinet.staff.home)."""
    return render_cabinet(request, "staff/home.html", home_for(request.user))
