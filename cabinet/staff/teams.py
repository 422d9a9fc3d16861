"""Teams and assignment, as the owner runs them: teams with their members and managers, the rule
for new clients, moving clients in bulk (counts only, never the clients themselves), and
switching a staff member off and on again. A manager sees their own team's people and loads."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import owner_required, staff_required
from cabinet.rendering import render_cabinet
from cabinet.staff.assignment import (
    OPEN,
    Target,
    bulk_sources,
    clients_bulk_assign,
    loads,
    new_client_rule,
    staff_offboard,
    target_parse,
    team_get,
    teams,
)
from cabinet.staff.selectors import assignable_staff, staff_role
from cabinet.work.models import WorkRequest
from rbac.models import NewClientRule, StaffProfile, User
from rbac.services import (
    OffboardingRefused,
    new_client_rule_set,
    staff_reactivate,
    team_create,
    team_delete,
    team_member_set,
)


@dataclass(frozen=True)
class MemberRow:
    user: User
    team_id: int | None
    role: str
    is_manager: bool
    clients: int
    open_work: int


def _member_rows(people: list[User]) -> list[MemberRow]:
    """Each person with their team, role and figures: three queries whatever their number."""
    load = loads(people)
    work = dict(
        WorkRequest.objects.filter(assignee__in=people, status__in=OPEN)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
    )
    rows = []
    for person in people:
        profile = getattr(person, "staff_profile", None)
        role = profile.role if profile else StaffProfile.Role.OPERATOR
        rows.append(
            MemberRow(
                user=person, team_id=profile.team_id if profile else None, role=role,
                is_manager=role == StaffProfile.Role.MANAGER,
                clients=load[person.pk], open_work=work.get(person.pk, 0),
            )
        )  # fmt: skip
    return rows


def _back() -> HttpResponse:
    return HttpResponseRedirect(reverse("staff:teams"))


@require_GET
@staff_required
def team_overview(request: HttpRequest) -> HttpResponse:
    """The owner's page of teams; a manager's view of their own team."""
    user = request.user
    people = list(
        assignable_staff().filter(is_superuser=False).select_related("staff_profile__team")
    )
    if user.is_superuser:
        all_teams = list(teams())
        rows = _member_rows(people)
        former = User.objects.filter(is_staff=True, is_active=False).order_by("email")
        sources = {"unassigned": bulk_sources(source="unassigned").count()}
        context = {
            "teams": [(t, [r for r in rows if r.team_id == t.pk]) for t in all_teams],
            "without_team": [r for r in rows if r.team_id is None],
            "all_teams": all_teams, "rows": rows, "former": former,
            "rule": new_client_rule(), "rules": NewClientRule.Rule.choices,
            "unassigned": sources["unassigned"],
        }  # fmt: skip
        return render_cabinet(request, "staff/teams.html", context)
    if staff_role(user) != StaffProfile.Role.MANAGER or not user.staff_profile.team_id:
        raise PermissionDenied("managers and the owner only")
    team = user.staff_profile.team
    mine = [p for p in people if p.staff_profile.team_id == team.pk]
    rows = _member_rows(mine)
    context = {
        "team": team, "rows": rows, "clients": sum(r.clients for r in rows),
        "open_work": sum(r.open_work for r in rows),
    }  # fmt: skip
    return render_cabinet(request, "staff/team_manager.html", context)


@require_POST
@owner_required
def team_new(request: HttpRequest) -> HttpResponse:
    try:
        team = team_create(name=request.POST.get("name", "")[:200], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Team “%s” created.") % team.name)
    return _back()


@require_POST
@owner_required
def team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get(pk)
    if team is None:
        raise Http404
    team_delete(team=team, by=request.user)
    messages.success(request, _("Team “%s” removed; its members stay.") % team.name)
    return _back()


@require_POST
@owner_required
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a person in a team (or none) and name them its manager or not."""
    member = assignable_staff().filter(pk=pk, is_superuser=False).first()
    if member is None:
        raise Http404
    raw = request.POST.get("team", "")
    team = None
    if raw:
        team = team_get(raw)
        if team is None:
            raise Http404
    try:
        team_member_set(member=member, team=team, manager=request.POST.get("manager") == "on",
                        by=request.user)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return _back()


@require_POST
@owner_required
def rule_set(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("team", "")
    team = None
    if raw:
        team = team_get(raw)
        if team is None:
            raise Http404
    try:
        new_client_rule_set(rule=request.POST.get("rule", ""), team=team, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return _back()


def _target_or_404(value: str) -> Target:
    target = target_parse(value[:40])
    if target is None:
        raise Http404
    return target


@require_POST
@owner_required
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Move clients in bulk: counts in, counts out; no client is listed."""
    source = request.POST.get("source", "")[:40]
    if source != "unassigned" and target_parse(source) is None:
        raise Http404
    to = _target_or_404(request.POST.get("to", ""))
    try:
        moved = clients_bulk_assign(source=source, to=to, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = ngettext("%(count)d client moved.", "%(count)d clients moved.", moved)
        messages.success(request, text % {"count": moved})
    return _back()


@require_http_methods(["GET", "POST"])
@owner_required
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Offboarding: a confirmation page that names who takes their clients and open work."""
    member = assignable_staff().filter(pk=pk, is_superuser=False).first()
    if member is None or member.pk == request.user.pk:
        raise Http404
    status = 200
    if request.method == "POST":
        to = _target_or_404(request.POST.get("to", ""))
        try:
            summary = staff_offboard(member=member, to=to, by=request.user, request=request,
                                     reason=request.POST.get("reason", "")[:500])  # fmt: skip
        except (ValidationError, OffboardingRefused) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            status = 400
        else:
            messages.success(
                request,
                _("%(name)s is deactivated. Handed over: clients %(clients)d, open requests "
                  "%(work)d. Sessions ended: %(sessions)d.")
                % {"name": member.get_full_name(), **summary},
            )  # fmt: skip
            return _back()
    rows = _member_rows([member])
    context = {
        "member": member, "row": rows[0],
        "colleagues": assignable_staff().exclude(pk=member.pk), "teams": teams(),
    }  # fmt: skip
    return render_cabinet(request, "staff/deactivate.html", context, status=status)


@require_POST
@owner_required
def reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = User.objects.filter(pk=pk, is_staff=True, is_active=False).first()
    if member is None:
        raise Http404
    try:
        staff_reactivate(member=member, by=request.user)
    except (ValidationError, OffboardingRefused) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("%s is back on the team.") % member.get_full_name())
    return _back()
