from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cabinet.access import staff_required
from cabinet.feedback.services import review_figures
from cabinet.memberships.selectors import membership_figures
from cabinet.navigation import staff_badge_counts
from cabinet.rendering import render_cabinet
from cabinet.staff.kpi import kpi_charts, kpis, offer_figures, process_figures
from cabinet.staff.selectors import staff_role
from cabinet.staff.work import (
    request_check,
    request_close,
    request_get_for,
    request_respond,
    request_take,
    requests_for,
)
from cabinet.work.models import WorkRequest
from rbac.models import User
from rbac.policy import policy_get

OPEN = (WorkRequest.Status.NEW, WorkRequest.Status.IN_PROGRESS)


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Everything open that this person may take; with ?mine=1, "My work": what they hold,
    the nearest deadline first."""
    mine = request.GET.get("mine") == "1"
    found = requests_for(request.user).filter(status__in=OPEN)
    if mine:
        found = found.filter(assignee=request.user).order_by("due_at", "pk")
    context = {"requests": list(found[:200]), "mine": mine}
    return render_cabinet(request, "staff/queue.html", context)


@require_GET
@staff_required
def badges(request: HttpRequest) -> HttpResponse:
    """The navigation's badges, swapped in place by HTMX every few seconds."""
    counts = staff_badge_counts(request.user)
    return render_cabinet(
        request, "staff/_nav_badges.html", {"counts": counts, "places": ("side", "tab", "more")}
    )


def _work(request: HttpRequest, pk: int) -> WorkRequest:
    work = request_get_for(request.user, pk)
    if work is None:
        raise Http404
    return work


@require_GET
@staff_required
def work_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work = _work(request, pk)
    steps = [(i, step, i in work.checklist_done) for i, step in enumerate(work.type.checklist)]
    return render_cabinet(request, "staff/work_detail.html", {"work": work, "steps": steps})


@require_POST
@staff_required
def work_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    work = _work(request, pk)
    try:
        if action == "take":
            request_take(work=work, staff=request.user)
        elif action == "respond":
            request_respond(work=work, staff=request.user)
        elif action == "check":
            request_check(work=work, staff=request.user, step=int(request.POST.get("step", -1)))
        elif action == "close":
            spent = int(request.POST.get("spent_minutes", "-1") or -1)
            request_close(work=work, staff=request.user, spent_minutes=spent)
        else:
            raise Http404
    except ValueError:
        messages.error(request, "Enter whole numbers.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("staff:work", args=[work.pk]))


@require_GET
@staff_required
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    try:
        days = min(max(int(request.GET.get("days", "30")), 1), 366)
    except ValueError:
        days = 30
    role = staff_role(request.user)
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("email")
    if role == "manager":
        team_id = request.user.staff_profile.team_id
        staff = (
            staff.filter(staff_profile__team_id=team_id)
            if team_id
            else staff.filter(pk=request.user.pk)
        )
    elif role not in ("owner", "admin"):
        staff = staff.filter(pk=request.user.pk)
    rows = kpis(staff=staff, days=days)
    leaderboard = []
    if policy_get().kpi_leaderboard:
        everyone = kpis(staff=User.objects.filter(is_staff=True, is_active=True), days=days)
        leaderboard = sorted(everyone, key=lambda r: -r.closed)[:10]
    context = {"rows": rows, "charts": kpi_charts(rows), "days": days, "leaderboard": leaderboard,
               "processes": process_figures(staff=staff, days=days),
               "ratings": review_figures(staff=staff, days=days)}  # fmt: skip
    if role in ("owner", "admin"):  # the business's figures, not a person's
        context["offers"] = offer_figures(days=days)
        context["memberships"] = membership_figures()
    else:
        context["ratings"]["services"] = None
    return render_cabinet(request, "staff/kpi.html", context)
