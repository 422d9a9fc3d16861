"""Writes of the back office about clients: assignment (with its object permissions, in one
transaction), revealing a masked field (audited, with a reason), exports (watermarked)."""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from cabinet.accounts.masking import PERSONAL_FIELDS, client_view, personal_value
from cabinet.accounts.models import Assignment, ClientProfile, ClientProfileUserObjectPermission
from cabinet.custom_fields import services as custom_fields
from rbac.audit import audit_record, audit_record_many
from rbac.models import User
from rbac.spreadsheets import csv_bytes

VIEW = "cabinet.view_clientprofile"


@transaction.atomic
def client_assign(
    *,
    client: ClientProfile,
    staff: User,
    by: User | None,
    request: HttpRequest | None = None,
    rule: str = "rule for new clients",
) -> Assignment:
    """Hand the client to `staff`: the previous assignee loses the object permission and the
    new one gains it, in the same transaction as the assignment itself. `by` None is a rule
    (the owner's for new clients, cabinet.staff.assignment), audited under its name."""
    if by is not None and not (by.is_superuser or by.has_perm("cabinet.assign_clients")):
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
        actor_label="" if by is not None else rule,
        target=locked,
        changes={"staff": [current.staff.email if current else "", staff.email]},
        request=request,
    )
    return assignment


@transaction.atomic
def clients_assign_many(
    *,
    moves: list[tuple[ClientProfile, User]],
    by: User | None,
    request: HttpRequest | None = None,
) -> int:
    """`client_assign` for many clients at once (bulk moves, offboarding): the same rows — the
    old assignments ended, their object permissions revoked, the new ones granted, one audit
    entry per client — in a fixed number of statements. Clients already with their target are
    left alone. How many moved."""
    if by is not None and not (by.is_superuser or by.has_perm("cabinet.assign_clients")):
        raise PermissionDenied("cannot assign clients")
    if any(not staff.is_staff or not staff.is_active for _client, staff in moves):
        raise ValidationError(_("Clients are assigned to active staff members only."))
    ids = [client.pk for client, _staff in moves]
    locked = {c.pk: c for c in ClientProfile.objects.select_for_update().filter(pk__in=ids)}
    current = {
        a.client_id: a
        for a in Assignment.objects.filter(client_id__in=ids, ended_at__isnull=True)
        .select_related("staff")
    }  # fmt: skip
    todo = [
        (locked[client.pk], staff)
        for client, staff in moves
        if client.pk in locked
        and (client.pk not in current or current[client.pk].staff_id != staff.pk)
    ]
    if not todo:
        return 0
    now = timezone.now()
    ending = [current[client.pk] for client, _staff in todo if client.pk in current]
    Assignment.objects.filter(pk__in=[a.pk for a in ending]).update(ended_at=now)
    view = Permission.objects.get(content_type__app_label="cabinet", codename="view_clientprofile")
    before: dict[int, list[int]] = {}
    for assignment in ending:
        before.setdefault(assignment.staff_id, []).append(assignment.client_id)
    for staff_id, client_ids in before.items():
        ClientProfileUserObjectPermission.objects.filter(
            user_id=staff_id, permission=view, content_object_id__in=client_ids
        ).delete()
    Assignment.objects.bulk_create(
        [
            Assignment(client=client, staff=staff, assigned_by=by, assigned_at=now)
            for client, staff in todo
        ],
        batch_size=500,
    )
    ClientProfileUserObjectPermission.objects.bulk_create(
        [
            ClientProfileUserObjectPermission(user=staff, permission=view, content_object=client)
            for client, staff in todo
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    previous = {a.client_id: a.staff.email for a in ending}
    audit_record_many(
        action="client.assigned",
        actor=by,
        entries=[
            (client, {"staff": [previous.get(client.pk, ""), staff.email]})
            for client, staff in todo
        ],
        request=request,
    )
    return len(todo)


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
    audit_record(
        action="client.revealed",
        actor=staff,
        target=client,
        changes={"field": field},
        reason=reason[:500],
        request=request,
    )
    return personal_value(client, field)


def clients_csv(*, clients: list[ClientProfile], staff: User, request: HttpRequest) -> bytes:
    """An export, stamped with who made it and when, with personal fields as the person may
    see them; audited with the number of rows."""
    if not (staff.is_superuser or staff.has_perm("cabinet.export_clients")):
        raise PermissionDenied("cannot export clients")
    can_see = staff.is_superuser or staff.has_perm("cabinet.view_personal_data")
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    extra_headers, extra_cells = custom_fields.export_columns("client", can_see_personal=can_see)
    rows: list[list[object]] = [
        [f"# Exported by {staff.email} at {stamp}. Do not forward."],
        ["id", "name", "email", "phone", "address", "birth_date", "last_activity",
         *extra_headers],
    ]  # fmt: skip
    for client in clients:
        view = client_view(client, can_see_personal=can_see)
        rows.append([view.id, view.name, view.email, view.phone, view.address,
                     view.birth_date, view.last_activity_at, *extra_cells(client)])  # fmt: skip
    audit_record(action="clients.exported", actor=staff, changes={"rows": len(clients)},
                 request=request)  # fmt: skip
    return csv_bytes(rows)


def client_profile_ensure(*, user: User) -> ClientProfile:
    profile, _created = ClientProfile.objects.get_or_create(user=user)
    return profile
