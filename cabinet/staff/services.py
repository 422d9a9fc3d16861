"""Writes of the back office about clients: assignment (with its object permissions, in one
transaction), revealing a masked field (audited, with a reason), exports (watermarked)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from cabinet.models import Assignment, ClientProfile
from cabinet.staff.masking import PERSONAL_FIELDS, client_view, personal_value
from rbac.audit import audit_record
from rbac.models import User
from rbac.spreadsheets import csv_bytes

VIEW = "cabinet.view_clientprofile"


@transaction.atomic
def client_assign(
    *, client: ClientProfile, staff: User, by: User, request: HttpRequest | None = None
) -> Assignment:
    """Hand the client to `staff`: the previous assignee loses the object permission and the
    new one gains it, in the same transaction as the assignment itself."""
    if not (by.is_superuser or by.has_perm("cabinet.assign_clients")):
        raise PermissionDenied("cannot assign clients")
    if not staff.is_staff or not staff.is_active:
        raise ValidationError(_("Clients are assigned to active staff members only."))
    locked = ClientProfile.objects.select_for_update().get(pk=client.pk)
    current = locked.assignments.filter(ended_at__isnull=True).select_related("staff").first()
    if current is not None:
        if current.staff_id == staff.pk:
            return current
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
        remove_perm(VIEW, current.staff, locked)
    assignment = Assignment.objects.create(client=locked, staff=staff, assigned_by=by)
    assign_perm(VIEW, staff, locked)
    audit_record(
        action="client.assigned",
        actor=by,
        target=locked,
        changes={"staff": [current.staff.email if current else "", staff.email]},
        request=request,
    )
    return assignment


def client_reveal(
    *, client: ClientProfile, field: str, reason: str, staff: User, request: HttpRequest
) -> str:
    if field not in PERSONAL_FIELDS:
        raise ValidationError(_("There is no such field."))
    if not (staff.is_superuser or staff.has_perm("cabinet.view_personal_data")):
        raise PermissionDenied("cannot see personal data")
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationError(_("Say why you need it: the reason goes into the audit log."))
    audit_record(action="client.revealed", actor=staff, target=client,
                 changes={"field": field}, reason=reason[:500], request=request)  # fmt: skip
    return personal_value(client, field)


def clients_csv(*, clients: list[ClientProfile], staff: User, request: HttpRequest) -> bytes:
    """An export, stamped with who made it and when, with personal fields as the person may
    see them; audited with the number of rows."""
    if not (staff.is_superuser or staff.has_perm("cabinet.export_clients")):
        raise PermissionDenied("cannot export clients")
    can_see = staff.is_superuser or staff.has_perm("cabinet.view_personal_data")
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    rows: list[list[object]] = [
        [f"# Exported by {staff.email} at {stamp}. Do not forward."],
        ["id", "name", "email", "phone", "address", "birth_date", "last_activity"],
    ]
    for client in clients:
        view = client_view(client, can_see_personal=can_see)
        rows.append([view.id, view.name, view.email, view.phone, view.address,
                     view.birth_date, view.last_activity_at])  # fmt: skip
    audit_record(action="clients.exported", actor=staff, changes={"rows": len(clients)},
                 request=request)  # fmt: skip
    return csv_bytes(rows)


def client_profile_ensure(*, user: User) -> ClientProfile:
    profile, _created = ClientProfile.objects.get_or_create(user=user)
    return profile
