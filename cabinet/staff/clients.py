"""The back office's clients: a list scoped by role and assignment, the client card with masked
personal fields, reveal with a reason, assignment, export. Every read is audited and counted
against the reader's hourly quota."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import staff_required
from cabinet.accounts.masking import PERSONAL_FIELDS, client_view
from cabinet.accounts.models import ClientProfile
from cabinet.rendering import render_cabinet
from cabinet.staff import selectors
from cabinet.staff.assignment import clients_move, target_parse, teams
from cabinet.staff.client_notes import can_edit_notes
from cabinet.staff.front_desk import can_front_desk
from cabinet.staff.quota import export_allowed, quota_consume, quota_first_refusal
from cabinet.staff.services import client_reveal, clients_csv
from cabinet.staff.sessions import can_end_client_sessions
from cabinet.wallet.services import wallet_adjust, wallet_for
from rbac.audit import audit_record
from rbac.models import User
from rbac.services import owners_tell_quota_reached

PAGE_SIZE = 25
EXPORT_LIMIT = 5_000


def can_reveal(staff: User) -> bool:
    return staff.is_superuser or staff.has_perm("cabinet.view_personal_data")


def _client_or_404(request: HttpRequest, pk: int) -> ClientProfile:
    client = selectors.client_get_for(request.user, pk)
    if client is None:
        raise Http404
    if not quota_consume(request.user, client.pk):
        if quota_first_refusal(request.user):
            audit_record(action="staff.read_quota_exceeded", request=request,
                         reason="hourly read quota reached")  # fmt: skip
            owners_tell_quota_reached(staff=request.user)
        raise QuotaExceeded
    return client


class QuotaExceeded(PermissionDenied):
    pass


def quota_page(request: HttpRequest) -> HttpResponse:
    return render_cabinet(request, "staff/quota_exceeded.html", status=429)


@require_GET
@staff_required
def client_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    clients = selectors.client_search(selectors.clients_for(request.user), query)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    # Minimal data: lists and cards are always masked; a field is shown one at a time, on
    # purpose, with a reason (client_reveal_view).
    rows = [client_view(client, can_see_personal=False) for client in page]
    audit_record(action="clients.listed", request=request,
                 changes={"ids": [row.id for row in rows], "query": query})  # fmt: skip
    return render_cabinet(
        request,
        "staff/client_list.html",
        {"page": page, "rows": rows, "query": query, "role": selectors.staff_role(request.user)},
    )


@require_GET
@staff_required
def client_card(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        client = _client_or_404(request, pk)
    except QuotaExceeded:
        return quota_page(request)
    audit_record(action="client.viewed", target=client, request=request)
    context = {
        "client": client_view(client, can_see_personal=False),
        "client_record": client,  # for the owner's fields (custom_fields tag)
        "assignment": selectors.current_assignment(client),
        "can_assign": request.user.is_superuser or request.user.has_perm("cabinet.assign_clients"),
        "can_reveal": can_reveal(request.user),
        "staff": selectors.assignable_staff(),
        "personal_fields": PERSONAL_FIELDS,
        "history": selectors.client_history(client),
        "wallet": wallet_for(client),
        "can_adjust": can_adjust_wallet(request.user),
        "can_invite": can_front_desk(request.user) and not client.user.has_usable_password(),
        "teams": teams(),
        "can_edit_notes": can_edit_notes(request.user),
        "can_end_sessions": can_end_client_sessions(request.user),
    }
    return render_cabinet(request, "staff/client_card.html", context)


def can_adjust_wallet(user: User) -> bool:
    return user.is_superuser or user.has_perm("cabinet.adjust_wallet")


@require_POST
@staff_required
def client_wallet_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """A goodwill credit or a correction, with the reason recorded."""
    if not can_adjust_wallet(request.user):
        raise PermissionDenied("cannot adjust balances")
    try:
        client = _client_or_404(request, pk)
    except QuotaExceeded:
        return quota_page(request)
    try:
        amount = Decimal(request.POST.get("amount", "")[:20].replace(",", ".").strip())
        if not amount.is_finite():
            raise ArithmeticError
        wallet_adjust(
            client=client, account=request.POST.get("account", "")[:16], amount=amount,
            reason=request.POST.get("reason", ""), by=request.user,
        )  # fmt: skip
    except ArithmeticError:
        messages.error(request, _("Give the amount as a number, e.g. 10 or -5.50."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Adjusted."))
    return HttpResponseRedirect(reverse("staff:client", args=[client.pk]) + "#wallet")


@require_POST
@staff_required
def client_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        client = _client_or_404(request, pk)
    except QuotaExceeded:
        return quota_page(request)
    field = request.POST.get("field", "")
    try:
        value = client_reveal(
            client=client, field=field, reason=request.POST.get("reason", ""),
            staff=request.user, request=request,
        )  # fmt: skip
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
    return render_cabinet(request, "staff/_revealed.html", {"field": field, "value": value})


@require_POST
@staff_required
def client_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get_for(request.user, pk)
    if client is None:
        raise Http404
    raw = request.POST.get("staff", "")[:40]
    if not raw:
        messages.error(request, _("Choose a staff member."))
        return HttpResponseRedirect(reverse("staff:client", args=[client.pk]))
    # A person's id, or "team:<id>" (its least-loaded member); a forged one is a 404.
    target = target_parse(raw if raw.startswith("team:") else f"staff:{raw}")
    if target is None:
        raise Http404
    try:
        clients_move(clients=[client], to=target, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        staff = selectors.current_assignment(client).staff
        messages.success(request, _("Assigned to %s.") % staff.get_full_name())
    return HttpResponseRedirect(reverse("staff:client", args=[client.pk]))


@require_POST
@staff_required
def client_export(request: HttpRequest) -> HttpResponse:
    if not export_allowed(request.user):
        return HttpResponse(
            _("Three exports an hour at most."), status=429, content_type="text/plain"
        )
    clients = list(selectors.clients_for(request.user)[:EXPORT_LIMIT])
    body = clients_csv(clients=clients, staff=request.user, request=request)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="clients-{timezone.now():%Y%m%d-%H%M}-{request.user.pk}.csv"'
    )
    return response
