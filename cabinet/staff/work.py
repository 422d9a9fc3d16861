"""The work queue: client requests with an SLA deadline per type, a checklist that standardizes
how each type is handled, assignment, and the timeline the KPIs are computed from."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.models import ClientProfile, RequestType, WorkRequest
from cabinet.staff.selectors import clients_for
from rbac.audit import audit_record
from rbac.models import User


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
    locked = WorkRequest.objects.select_for_update().get(pk=work.pk)
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
    locked.save(update_fields=["checklist_done"])
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
