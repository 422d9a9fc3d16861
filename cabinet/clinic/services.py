"""What changes appointments. One transaction each, audited.

Never two live appointments of one specialist at once, even when many clients race for the same
time: booking and moving lock the specialist's row first (`select_for_update`), then look for
an overlap and write; the second of two racing requests waits for the lock and then sees the
first one's appointment. The database adds its own refusal of two live appointments starting
at the same moment.

A service paid in advance is held (not confirmed) until the checkout is paid: the checkout's
order confirms it through the core's ORDER_PLACED point, in the same transaction as the
payment; the database refuses a confirmed prepaid appointment without a payment."""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.checkout.services import checkout_open_order, checkout_refund
from cabinet.clinic import selectors
from cabinet.clinic.models import (
    Appointment,
    BookingRules,
    DayOff,
    Service,
    Specialist,
    VisitDocument,
    WorkingHours,
)
from cabinet.orders.models import Order, OrderStatusChange
from rbac.audit import audit_record
from rbac.models import User

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def _when(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _check_window(starts: datetime.datetime, now: datetime.datetime) -> None:
    earliest, latest = selectors.window(now)
    if starts < now:
        raise ValidationError(_("This time has passed: choose a later one."), code="past")
    if starts < earliest:
        raise ValidationError(
            _("Book at least %(hours)d hours ahead.") % {"hours": selectors.rules().notice_hours},
            code="notice",
        )
    if starts > latest:
        raise ValidationError(
            _("Book at most %(days)d days ahead.") % {"days": selectors.rules().horizon_days},
            code="horizon",
        )


def _check_changeable(appointment: Appointment, now: datetime.datetime) -> None:
    if not appointment.is_live:
        raise ValidationError(_("This appointment can no longer be changed."), code="status")
    hours = selectors.rules().change_hours
    if appointment.starts - now < datetime.timedelta(hours=hours):
        raise ValidationError(
            _(
                "Appointments can be moved or cancelled until %(hours)d hours before; please "
                "call or write to us."
            )
            % {"hours": hours},
            code="too_late",
        )


def _free_for(
    specialist: Specialist,
    service: Service,
    starts: datetime.datetime,
    now: datetime.datetime,
    leave_out: int | None = None,
) -> bool:
    """Whether the specialist works the whole of [starts, starts + service) and nobody holds any
    of it. Call with the specialist's row locked."""
    ends = starts + service.duration
    day = timezone.localtime(starts).date()
    within = any(a <= starts and ends <= b for a, b in selectors.working_spans(specialist, day))
    if not within:
        return False
    return not selectors.busy([specialist.pk], starts, ends, now=now, leave_out=leave_out).exists()


def _release_lapsed_holds(specialist: Specialist, now: datetime.datetime) -> None:
    """Unpaid bookings whose hold ran out give their time back (the specialist's row locked)."""
    Appointment.objects.filter(
        specialist=specialist, status=Appointment.Status.HELD, held_until__lte=now
    ).update(status=Appointment.Status.EXPIRED)


@transaction.atomic
def appointment_book(
    *,
    client: ClientProfile,
    service: Service,
    starts: datetime.datetime,
    specialist: Specialist | None = None,
    note: str = "",
) -> Appointment:
    """Book `service` at `starts` with this specialist, or with any of the service's who is
    free then. A prepaid service is held for the checkout (its `checkout` is the one to pay);
    any other is confirmed at once."""
    now = timezone.now()
    _check_window(starts, now)
    if (
        specialist is not None
        and not service.specialists.filter(pk=specialist.pk, is_active=True).exists()
    ):
        raise ValidationError(_("This specialist does not offer this service."), code="specialist")
    candidates = [specialist] if specialist else list(selectors.specialists_for(service))
    for candidate in sorted(candidates, key=lambda person: person.pk):
        locked = Specialist.objects.select_for_update().get(pk=candidate.pk)
        _release_lapsed_holds(locked, now)
        if _free_for(locked, service, starts, now):
            chosen = locked
            break
    else:
        raise ValidationError(
            _("This time has just been taken: please choose another."), code="taken"
        )
    item = service.item
    appointment = Appointment(
        client=client,
        specialist=chosen,
        service=service,
        starts=starts,
        ends=starts + service.duration,
        prepay=service.prepay and item.price > 0,
        price=item.price,
        currency=item.currency,
        note=note[:300],
    )
    if appointment.prepay:
        appointment.status = Appointment.Status.HELD
        appointment.held_until = now + datetime.timedelta(minutes=selectors.rules().hold_minutes)
        appointment.checkout = checkout_open_order(client=client, wanted={item.pk: 1})
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:  # pragma: no cover — the lock above comes first
        raise ValidationError(
            _("This time has just been taken: please choose another."), code="taken"
        ) from exc
    audit_record(
        action="clinic.booked",
        actor=client.user,
        target=appointment,
        changes={"starts": starts.isoformat(), "specialist": chosen.pk, "service": service.pk},
    )
    if appointment.status == Appointment.Status.CONFIRMED:
        from cabinet.clinic.notices import confirmed

        transaction.on_commit(lambda: confirmed(appointment.pk))
    return appointment


def _checkout_token(order: Order) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=order.submission_key)
    except (TypeError, ValueError):
        return None


def appointment_paid(*, order: Order) -> None:
    """ORDER_PLACED: the order of a checkout being paid. When it pays a held appointment, the
    appointment is confirmed and the order accepted in the same transaction (its order's
    submission key is the checkout's token). An order of a bookable service outside an
    appointment is refused: a service is bought by booking it."""
    token = _checkout_token(order)
    appointment = (
        Appointment.objects.select_for_update().filter(checkout__token=token).first()
        if token
        else None
    )
    if appointment is None:
        if Service.objects.filter(item__in=order.items.values("item_id")).exists():
            raise ValidationError(
                _("Appointments are booked on the Appointments page, with a time."),
                code="appointment",
            )
        return
    if order.payment == Order.Payment.ON_SITE:
        raise ValidationError(
            _("This appointment is paid in advance: please choose another way to pay."),
            code="prepay",
        )
    if appointment.status != Appointment.Status.HELD:
        raise ValidationError(
            _("This booking is no longer held: please book a time again."), code="lapsed"
        )
    appointment.status = Appointment.Status.CONFIRMED
    appointment.paid_at = timezone.now()
    appointment.held_until = None
    appointment.save(update_fields=["status", "paid_at", "held_until"])
    # Paying confirmed the visit: the order is accepted with it, so nobody is asked to confirm
    # it in the queue (the core opens that only for a new order), and the client cancels the
    # visit, not its order (a cancelled order would refund a visit that stays booked).
    order.status = Order.Status.ACCEPTED
    order.save(update_fields=["status"])
    OrderStatusChange.objects.create(
        order=order, from_status=Order.Status.NEW, to_status=Order.Status.ACCEPTED, by=None
    )
    audit_record(
        action="clinic.paid",
        actor=order.client.user,
        target=appointment,
        changes={"order": order.pk, "total": str(order.total)},
    )
    from cabinet.clinic.notices import confirmed

    pk = appointment.pk
    transaction.on_commit(lambda: confirmed(pk))


def _may_change(appointment: Appointment, by: User) -> bool:
    """Staff who see the appointment change it at any time; its client within the window."""
    return by.is_staff and (selectors.sees_all(by) or appointment.specialist.user_id == by.pk)


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, starts: datetime.datetime, by: User
) -> Appointment:
    """Move to another time with the same specialist; what was paid stays paid."""
    now = timezone.now()
    staff = _may_change(appointment, by)
    if not staff and appointment.client.user_id != by.pk:
        raise PermissionDenied("not this client's appointment")
    Specialist.objects.select_for_update().get(pk=appointment.specialist_id)
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if staff:
        if not current.is_live:
            raise ValidationError(_("This appointment can no longer be changed."), code="status")
    else:
        _check_changeable(current, now)
    _check_window(starts, now)
    if starts == current.starts:
        raise ValidationError(_("Choose a different time."), code="same")
    if not _free_for(current.specialist, current.service, starts, now, leave_out=current.pk):
        raise ValidationError(
            _("This time has just been taken: please choose another."), code="taken"
        )
    before = current.starts
    current.starts, current.ends = starts, starts + current.service.duration
    current.reminded_at = None
    current.save(update_fields=["starts", "ends", "reminded_at"])
    audit_record(
        action="clinic.rescheduled",
        actor=by,
        target=current,
        changes={"from": before.isoformat(), "to": starts.isoformat()},
    )
    appointment.starts, appointment.ends = current.starts, current.ends
    return current


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User) -> Decimal:
    """Cancel; what was paid goes back the way it came, in full. What was refunded."""
    now = timezone.now()
    staff = _may_change(appointment, by)
    if not staff and appointment.client.user_id != by.pk:
        raise PermissionDenied("not this client's appointment")
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if staff:
        if not current.is_live:
            raise ValidationError(_("This appointment can no longer be changed."), code="status")
    else:
        _check_changeable(current, now)
    current.status = Appointment.Status.CANCELLED
    current.save(update_fields=["status"])
    refunded = Decimal(0)
    if current.paid_at and current.checkout_id and current.checkout.refundable > 0:
        refunded = checkout_refund(checkout=current.checkout, by=by, reason="appointment cancelled")
    audit_record(
        action="clinic.cancelled", actor=by, target=current, changes={"refunded": str(refunded)}
    )
    appointment.status = current.status
    return refunded


def _require_own(appointment: Appointment, by: User) -> None:
    if not _may_change(appointment, by):
        raise PermissionDenied("not this specialist's appointment")


@transaction.atomic
def visit_record(*, appointment: Appointment, summary: str, status: str, by: User) -> Appointment:
    """After the visit: its summary for the client, and whether they came."""
    _require_own(appointment, by)
    if status not in (Appointment.Status.DONE, Appointment.Status.NO_SHOW):
        raise ValidationError(_("Say whether the client came."), code="status")
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if current.status not in (
        Appointment.Status.CONFIRMED,
        Appointment.Status.DONE,
        Appointment.Status.NO_SHOW,
    ):
        raise ValidationError(_("Only a confirmed appointment is visited."), code="status")
    if current.starts > timezone.now():
        raise ValidationError(_("A visit is recorded once it has begun."), code="future")
    current.summary, current.status = summary[:4000], status
    current.save(update_fields=["summary", "status"])
    audit_record(
        action="clinic.visit_recorded", actor=by, target=current, changes={"status": status}
    )
    return current


def _sniffed_type(upload: UploadedFile) -> str | None:
    head = upload.read(8)
    upload.seek(0)
    return next((kind for magic, kind in DOCUMENT_TYPES.items() if head.startswith(magic)), None)


@transaction.atomic
def document_add(
    *, appointment: Appointment, kind: str, title: str, upload: UploadedFile, by: User
) -> VisitDocument:
    _require_own(appointment, by)
    if not by.has_perm("clinic.view_visit_documents"):
        raise PermissionDenied("visit documents")
    if kind not in VisitDocument.Kind.values:
        raise ValidationError(_("Choose results, a prescription or another document."), code="kind")
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(_("A document is at most 10 MB."), code="size")
    content_type = _sniffed_type(upload)
    if content_type is None:
        raise ValidationError(_("Upload a PDF, JPEG or PNG file."), code="type")
    document = VisitDocument(
        appointment=appointment,
        kind=kind,
        title=title[:120],
        content_type=content_type,
        uploaded_by=by,
    )
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[content_type]
    document.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    document.save()
    audit_record(
        action="clinic.document_added",
        actor=by,
        target=appointment,
        changes={"document": document.pk, "kind": kind},
    )
    from cabinet.clinic.notices import document_ready

    pk = document.pk
    transaction.on_commit(lambda: document_ready(pk))
    return document


def document_opened(*, document: VisitDocument, by: User) -> None:
    """Every opening of a visit document is in the audit log: who, which, whose."""
    audit_record(
        action="clinic.document_opened",
        actor=by,
        target=document.appointment,
        changes={"document": document.pk, "client": document.appointment.client_id},
    )


# --- The schedule -------------------------------------------------------------------------------


def require_scheduler(by: User) -> None:
    if not by.has_perm("clinic.manage_schedule"):
        raise PermissionDenied("the schedule's editors' work")


@transaction.atomic
def hours_add(
    *,
    specialist: Specialist,
    weekday: int,
    kind: str,
    starts: datetime.time,
    ends: datetime.time,
    by: User,
) -> WorkingHours:
    require_scheduler(by)
    if ends <= starts:
        raise ValidationError(_("The end comes after the start."), code="times")
    if not 1 <= weekday <= 7 or kind not in WorkingHours.Kind.values:
        raise ValidationError(_("Choose a day and a kind."), code="day")
    row = WorkingHours.objects.create(
        specialist=specialist, weekday=weekday, kind=kind, starts=starts, ends=ends
    )
    audit_record(
        action="clinic.hours_added",
        actor=by,
        target=specialist,
        changes={"weekday": weekday, "kind": kind, "from": str(starts), "until": str(ends)},
    )
    return row


@transaction.atomic
def hours_remove(*, specialist: Specialist, pk: int, by: User) -> None:
    require_scheduler(by)
    removed, _rows = WorkingHours.objects.filter(specialist=specialist, pk=pk).delete()
    if removed:
        audit_record(
            action="clinic.hours_removed", actor=by, target=specialist, changes={"row": pk}
        )


@transaction.atomic
def day_off_add(*, specialist: Specialist, date: datetime.date, reason: str, by: User) -> DayOff:
    require_scheduler(by)
    if date < timezone.localdate():
        raise ValidationError(_("Choose today or a later day."), code="past")
    day_off, _created = DayOff.objects.get_or_create(
        specialist=specialist, date=date, defaults={"reason": reason[:120]}
    )
    audit_record(action="clinic.day_off", actor=by, target=specialist, changes={"date": str(date)})
    return day_off


@transaction.atomic
def specialist_create(*, user: User, title: str, services: list[Service], by: User) -> Specialist:
    require_scheduler(by)
    if not user.is_staff:
        raise ValidationError(_("A specialist is a member of staff."), code="user")
    try:
        with transaction.atomic():
            specialist = Specialist.objects.create(user=user, title=title)
    except IntegrityError as exc:
        raise ValidationError(_("This person is a specialist already."), code="user") from exc
    specialist.services.set(services)
    audit_record(action="clinic.specialist_created", actor=by, target=specialist)
    return specialist


@transaction.atomic
def specialist_update(
    *, specialist: Specialist, title: str, services: list[Service], is_active: bool, by: User
) -> Specialist:
    require_scheduler(by)
    specialist.title, specialist.is_active = title, is_active
    specialist.save(update_fields=["title", "is_active"])
    specialist.services.set(services)
    audit_record(action="clinic.specialist_changed", actor=by, target=specialist)
    return specialist


# --- The booking rules --------------------------------------------------------------------------

RULE_FIELDS = ("horizon_days", "notice_hours", "change_hours", "hold_minutes", "reminder_hours")


@transaction.atomic
def booking_rules_save(*, by: User, **values: int) -> BookingRules:
    """Change the cabinet's booking windows (the one row, made if missing). Bounds are the
    model's; the notice must be shorter than the horizon. One audit entry naming what changed
    (before, after); none when nothing did. Effective at once: every read asks the row."""
    if not by.has_perm("clinic.change_bookingrules"):
        raise PermissionDenied("changing the booking rules needs clinic.change_bookingrules")
    if set(values) != set(RULE_FIELDS):
        raise TypeError(f"booking_rules_save takes exactly {', '.join(RULE_FIELDS)}")
    found, _created = BookingRules.objects.select_for_update().get_or_create(pk=1)
    before = {name: getattr(found, name) for name in RULE_FIELDS}
    for name, value in values.items():
        setattr(found, name, value)
    found.full_clean()
    if found.notice_hours >= found.horizon_days * 24:
        raise ValidationError(
            _("Clients could never book: the notice must be shorter than the days ahead."),
            code="window",
        )
    changes = {
        name: [before[name], values[name]] for name in RULE_FIELDS if before[name] != values[name]
    }
    if changes:
        found.save(update_fields=list(changes))
        audit_record(action="clinic.booking_rules", actor=by, target=found, changes=changes)
    return found
