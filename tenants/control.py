"""The control panel (/control/ on the platform's host), for platform admins: public-schema
users with is_staff. Two-factor becomes mandatory with the identity issue."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tenants import selectors
from tenants.cluster import cluster_active, worker_nodes
from tenants.export import latest_export
from tenants.health import health_details
from tenants.lifecycle import Actor, allowed_transitions, purge_allowed_from, tenant_transition
from tenants.models import SchemaMove, Tenant, TenantEvent, TenantStatus
from tenants.placement import (
    batch_progress,
    cluster_overview,
    move_request,
    rebalance_request,
    tenant_node,
)
from tenants.pool import pool_status
from tenants.schema_templates import template_version
from tenants.second_factor import has_second_factor
from tenants.services import tenant_purge, tenant_sign_everyone_out
from tenants.signals import control_kpi_stats, control_tenant_panels, control_tenant_rows
from tenants.signup import owner_handoff_url
from tenants.tasks import refill_pool
from tenants.verticals import vertical_choices, vertical_keys

View = Callable[..., HttpResponse]
MAX_REASON = 500


def platform_admin_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request, "tenant", None) or not request.tenant.is_public:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            return render(request, "control/forbidden.html", status=403)
        if not has_second_factor(request.user):
            messages.info(request, "Platform admins must set up two-factor sign-in first.")
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return view(request, *args, **kwargs)

    return wrapped


def actor_of(request: HttpRequest) -> Actor:
    return Actor(label=request.user.email, id=request.user.pk)


def _get_tenant(pk: int) -> Tenant:
    try:
        return selectors.tenant_get(pk=pk)
    except Tenant.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
@platform_admin_required
def tenants(request: HttpRequest) -> HttpResponse:
    filters = {
        "query": request.GET.get("q", "")[:100],
        "status": request.GET.get("status", ""),
        "vertical": request.GET.get("vertical", ""),
        "sort": request.GET.get("sort", "-created"),
    }
    page = Paginator(selectors.tenant_list(**filters), 50).get_page(request.GET.get("page"))
    extras: dict[int, dict[str, str]] = {}
    for _receiver, answer in control_tenant_rows.send(sender=Tenant, tenants=list(page)):
        for tenant_id, values in (answer or {}).items():
            extras.setdefault(tenant_id, {}).update(values)
    rows = [(tenant, extras.get(tenant.pk, {})) for tenant in page]
    return render(
        request,
        "control/tenant_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "statuses": TenantStatus.choices,
            "verticals": vertical_choices(),
            "sorts": selectors.SORTS,
        },
    )


@require_GET
@platform_admin_required
def tenant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _get_tenant(pk))


def _detail_page(request: HttpRequest, tenant: Tenant, status: int = 200) -> HttpResponse:
    placement = None
    if not tenant.is_public and cluster_active():
        node, size = tenant_node(tenant)
        placement = {
            "node": node, "bytes": size,
            "nodes": [n for n in worker_nodes() if n != node],
            "moves": list(tenant.moves.all()[:5]),
        }  # fmt: skip
    return render(
        request,
        "control/tenant_detail.html",
        {
            "tenant": tenant,
            "domains": tenant.domains.order_by("-is_primary", "domain"),
            "events": selectors.tenant_events(tenant),
            "transitions": [(s, TenantStatus(s).label) for s in allowed_transitions(tenant)],
            "export": latest_export(tenant),
            "panels": [
                panel
                for _receiver, answer in control_tenant_panels.send(sender=Tenant, tenant=tenant)
                for panel in (answer or [])
            ],
            "purge_from": purge_allowed_from(tenant),
            "placement": placement,
        },
        status=status,
    )


def _reason(request: HttpRequest) -> str:
    return request.POST.get("reason", "").strip()[:MAX_REASON]


@require_POST
@platform_admin_required
def tenant_status(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _get_tenant(pk)
    try:
        tenant_transition(
            tenant=tenant, to=request.POST.get("to", ""), actor=actor_of(request),
            reason=_reason(request),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{tenant.name} is now {tenant.get_status_display()}.")
    return HttpResponseRedirect(reverse("control:tenant", args=[tenant.pk]))


@require_POST
@platform_admin_required
def tenant_impersonate(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _get_tenant(pk)
    reason = _reason(request)
    if not reason or tenant.is_unavailable or not tenant.owner_email:
        messages.error(request, "Give a reason; only a cabinet that is serving can be entered.")
        return HttpResponseRedirect(reverse("control:tenant", args=[tenant.pk]))
    TenantEvent.objects.create(
        tenant=tenant,
        kind=TenantEvent.Kind.IMPERSONATION,
        actor_id=request.user.pk,
        actor_label=request.user.email,
        reason=reason,
        detail={"as": tenant.owner_email, "minutes": 30},
    )
    url = owner_handoff_url(
        request, tenant, tenant.owner_email, impersonator=request.user.email, reason=reason
    )
    return HttpResponseRedirect(url)


@require_POST
@platform_admin_required
def tenant_sign_out_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign everyone out of one cabinet (ASVS 7.4.5): its sessions and API tokens, nothing else."""
    tenant = _get_tenant(pk)
    try:
        ended = tenant_sign_everyone_out(tenant=tenant, actor=actor_of(request),
                                         reason=_reason(request))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _detail_page(request, tenant, status=400)
    messages.success(
        request,
        ngettext(
            "Everyone is signed out of %(name)s: %(count)d session ended, and every API token.",
            "Everyone is signed out of %(name)s: %(count)d sessions ended, and every API token.",
            ended,
        )
        % {"name": tenant.name, "count": ended},
    )
    return HttpResponseRedirect(reverse("control:tenant", args=[tenant.pk]))


@require_POST
@platform_admin_required
def tenant_purge_view(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _get_tenant(pk)
    try:
        tenant_purge(
            tenant=tenant, confirmation=request.POST.get("confirm", ""), actor=actor_of(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{tenant.name} was purged; its export is kept.")
    return HttpResponseRedirect(reverse("control:tenant", args=[tenant.pk]))


@require_GET
@platform_admin_required
def pool(request: HttpRequest) -> HttpResponse:
    versions = {vertical: template_version(vertical) for vertical in vertical_keys()}
    return render(
        request,
        "control/pool.html",
        {"status": pool_status(), "versions": versions, "base_version": template_version()},
    )


@require_POST
@platform_admin_required
def pool_refill_view(request: HttpRequest) -> HttpResponse:
    refill_pool.delay()
    messages.success(request, "Refill queued; the worker clones the missing spares.")
    return HttpResponseRedirect(reverse("control:pool"))


@require_GET
@platform_admin_required
def kpis(request: HttpRequest) -> HttpResponse:
    extra = [stat for _r, stats in control_kpi_stats.send(sender=Tenant) for stat in stats]
    return render(
        request, "control/kpis.html", {"kpis": selectors.platform_kpis(), "extra_stats": extra}
    )


@require_GET
@platform_admin_required
def health_view(request: HttpRequest) -> HttpResponse:
    """What /health/ tells admins only: each check, the workers, the queue, the warm pool."""
    return render(request, "control/health.html", {"health": health_details()})


@require_GET
@platform_admin_required
def cluster(request: HttpRequest) -> HttpResponse:
    """The Citus cluster: each worker's cabinets and bytes, each cabinet's node and size, the
    moves under way. On one PostgreSQL the page says so and shows nothing else."""
    context: dict[str, Any] = {"active": cluster_active()}
    if context["active"]:
        context.update(cluster_overview())
        context["moves"] = list(SchemaMove.objects.select_related("tenant")[:20])
        batch = SchemaMove.objects.exclude(batch="").values_list("batch", flat=True).first()
        context["rebalance"] = batch_progress(batch) if batch else None
        context["under_way"] = any(
            move.state in (SchemaMove.State.QUEUED, SchemaMove.State.RUNNING)
            for move in context["moves"]
        )
    template = (
        "control/_cluster_moves.html"
        if request.headers.get("HX-Request")
        else ("control/cluster.html")
    )
    return render(request, template, context)


@require_POST
@platform_admin_required
def tenant_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one cabinet to another worker, live; audited when the move finishes."""
    tenant = _get_tenant(pk)
    try:
        node_id = int(request.POST.get("node", ""))
    except ValueError:
        node_id = -1
    try:
        move = move_request(tenant=tenant, node_id=node_id, actor=actor_of(request),
                            reason=_reason(request))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _detail_page(request, tenant, status=400)
    messages.success(
        request,
        _("%(name)s is moving to %(node)s; it keeps serving meanwhile.")
        % {"name": tenant.name, "node": move.target},
    )
    return HttpResponseRedirect(reverse("control:cluster"))


@require_POST
@platform_admin_required
def cluster_rebalance_view(request: HttpRequest) -> HttpResponse:
    try:
        _batch, count = rebalance_request(actor=actor_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("control:cluster"), status=303)
    if count:
        messages.success(
            request,
            ngettext(
                "Rebalance started: %(count)d cabinet moves.",
                "Rebalance started: %(count)d cabinets move.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("The cabinets are spread evenly already: nothing to move."))
    return HttpResponseRedirect(reverse("control:cluster"))
