"""The work queue: client requests with an SLA deadline per type, a checklist that standardizes
how each type is handled, assignment, and the timeline the KPIs are computed from."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.access import clients_for
from cabinet.accounts.models import ClientProfile
from cabinet.notifications.models import NotificationEvent
from cabinet.notifications.services import in_language_of, notify
from cabinet.work.models import RequestType, WorkRequest
from rbac.audit import audit_record
from rbac.models import StaffProfile, User


def requests_for(staff: User) -> QuerySet[WorkRequest]:
    """Open and recent requests this staff member may see: their own, and unassigned ones of
    the clients they may see (admins: all)."""
    base = WorkRequest.objects.select_related("type", "client__user", "assignee").order_by(
        "status", "due_at"
    )
    if staff.is_superuser or staff.has_perm("cabinet.view_all_clients"):
        return base
    visible = clients_for(staff).values("pk")
    return base.filter(Q(assignee=staff) | Q(assignee__isnull=True, client__in=visible))


def request_get_for(staff: User, pk: object) -> WorkRequest | None:
    try:
        return requests_for(staff).get(pk=int(pk))
    except (WorkRequest.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


@transaction.atomic
def request_create(
    *, client: ClientProfile, type: RequestType, title: str, estimated_minutes: int = 30
) -> WorkRequest:
    now = timezone.now()
    return WorkRequest.objects.create(
        client=client, type=type, title=title[:200], created_at=now,
        due_at=now + timedelta(minutes=type.sla_minutes), estimated_minutes=estimated_minutes,
    )  # fmt: skip


@transaction.atomic
def request_take(*, work: WorkRequest, staff: User) -> WorkRequest:
    # The taker's row first, as offboarding locks it (then their work): a take racing its
    # taker's deactivation waits for it and is refused, so no open item is left with someone
    # switched off.
    if not User.objects.select_for_update().filter(pk=staff.pk, is_active=True).exists():
        raise ValidationError(_("Your account is switched off."))
    locked = WorkRequest.objects.select_for_update(of=("self",)).get(pk=work.pk)
    if locked.assignee_id and locked.assignee_id != staff.pk:
        raise ValidationError(_("Someone else is already handling this request."))
    if locked.status in (WorkRequest.Status.DONE, WorkRequest.Status.CANCELLED):
        raise ValidationError(_("This request is closed."))
    locked.assignee, locked.status = staff, WorkRequest.Status.IN_PROGRESS
    locked.taken_at = locked.taken_at or timezone.now()
    locked.save(update_fields=["assignee", "status", "taken_at"])
    audit_record(action="request.taken", actor=staff, target=locked)
    return locked


def _own(work: WorkRequest, staff: User) -> WorkRequest:
    locked = WorkRequest.objects.select_for_update().get(pk=work.pk)
    if locked.assignee_id != staff.pk and not staff.is_superuser:
        raise PermissionDenied("take the request first")
    return locked


@transaction.atomic
def request_respond(*, work: WorkRequest, staff: User) -> WorkRequest:
    """The first answer to the client (chat answers call this too once chat lands)."""
    locked = _own(work, staff)
    if locked.first_response_at is None:
        locked.first_response_at = timezone.now()
        locked.save(update_fields=["first_response_at"])
        audit_record(action="request.answered", actor=staff, target=locked)
    return locked


@transaction.atomic
def request_check(*, work: WorkRequest, staff: User, step: int) -> WorkRequest:
    locked = _own(work, staff)
    if not 0 <= step < len(locked.type.checklist):
        raise ValidationError(_("There is no such step."))
    done = set(locked.checklist_done)
    done ^= {step}
    locked.checklist_done = sorted(done)
    times = dict(locked.step_times)
    if step in done:
        times[str(step)] = timezone.now().isoformat()
    else:
        times.pop(str(step), None)
    locked.step_times = times
    locked.save(update_fields=["checklist_done", "step_times"])
    return locked


@transaction.atomic
def request_close(*, work: WorkRequest, staff: User, spent_minutes: int) -> WorkRequest:
    locked = _own(work, staff)
    if not 0 <= spent_minutes <= 24 * 60:
        raise ValidationError(_("Time spent must be between 0 and 1440 minutes."))
    if locked.status in (WorkRequest.Status.DONE, WorkRequest.Status.CANCELLED):
        raise ValidationError(_("This request is closed."))
    now = timezone.now()
    locked.status, locked.done_at, locked.spent_minutes = (
        WorkRequest.Status.DONE,
        now,
        spent_minutes,
    )
    locked.first_response_at = locked.first_response_at or now
    locked.save(update_fields=["status", "done_at", "spent_minutes", "first_response_at"])
    changes = {"overrun": locked.is_overrun, "spent_minutes": spent_minutes}
    audit_record(action="request.closed", actor=staff, target=locked, changes=changes)
    return locked


SLA_WARNING_MINUTES = 30


def _team_managers(work: WorkRequest) -> list[User]:
    """The managers of the team of whoever holds the request, or else of the client's person."""
    holder = work.assignee if work.assignee and work.assignee.is_active else None
    if holder is None:
        assignment = work.client.assignments.filter(ended_at__isnull=True).first()
        holder = assignment.staff if assignment else None
    profile = getattr(holder, "staff_profile", None) if holder else None
    if profile is None or not profile.team_id:
        return []
    return list(
        User.objects.filter(
            is_active=True, staff_profile__team_id=profile.team_id,
            staff_profile__role=StaffProfile.Role.MANAGER,
        ).order_by("pk")
    )  # fmt: skip


def requests_sla_warn(*, now: datetime | None = None) -> int:
    """Warn whoever holds each open request and the managers of their team (while nobody holds
    it: the managers of the client's team, or the owners if it has none) once, when its SLA
    deadline is less than SLA_WARNING_MINUTES away. Idempotent through notify()'s key. The number
    of warnings sent now."""
    now = now or timezone.now()
    due = (
        WorkRequest.objects.filter(
            status__in=[WorkRequest.Status.NEW, WorkRequest.Status.IN_PROGRESS],
            due_at__gt=now,
            due_at__lte=now + timedelta(minutes=SLA_WARNING_MINUTES),
        )
        .select_related("assignee__staff_profile")
        .order_by("due_at", "pk")
    )
    owners = None
    sent = 0
    for work in due.iterator(chunk_size=500):
        managers = _team_managers(work)
        if work.assignee and work.assignee.is_active:
            recipients = [work.assignee, *(m for m in managers if m.pk != work.assignee_id)]
        elif managers:
            recipients = managers
        else:
            if owners is None:
                owners = list(User.objects.filter(is_superuser=True, is_active=True))
            recipients = owners
        minutes = max(1, int((work.due_at - now).total_seconds() // 60))
        for person in recipients:
            with in_language_of(person):
                title = _("Due in %(minutes)s min: %(title)s") % {
                    "minutes": minutes,
                    "title": work.title,
                }
            warned = notify(
                recipient=person,
                event=NotificationEvent.SLA_WARNING,
                title=title,
                url=f"/staff/queue/{work.pk}/",
                key=f"work:{work.pk}:sla:{person.pk}",
            )
            sent += warned is not None
    return sent
