"""Reads of appointments, scoped: a client sees their own; a member of staff sees the
appointments (and so the clients) of the specialist they are, or every one with
`clinic.view_all_appointments`. And the free slots: working hours less breaks, days off, the
booking windows and the appointments already live."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from cabinet.accounts.models import ClientProfile
from cabinet.clinic.models import (
    Appointment,
    BookingRules,
    DayOff,
    Service,
    Specialist,
    VisitDocument,
    WorkingHours,
)
from rbac.models import User

STEP = datetime.timedelta(minutes=15)  # slots start on the quarter hour


def _one(queryset: QuerySet, pk: object):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


def rules() -> BookingRules:
    found = BookingRules.objects.filter(pk=1).first()
    return found if found is not None else BookingRules(pk=1)


# --- What can be booked -----------------------------------------------------------------------


def services() -> QuerySet[Service]:
    """The services clients may book: active items with at least one active specialist."""
    return (
        Service.objects.filter(item__is_active=True, specialists__is_active=True)
        .select_related("item")
        .distinct()
    )


def service(pk: object) -> Service | None:
    return _one(services(), pk)


def specialists_for(service: Service) -> QuerySet[Specialist]:
    return service.specialists.filter(is_active=True).select_related("user")


def specialist_for(service: Service, pk: object) -> Specialist | None:
    return _one(specialists_for(service), pk)


@dataclass(frozen=True)
class Slot:
    starts: datetime.datetime  # aware, in the cabinet's time zone
    specialist: Specialist

    @property
    def key(self) -> str:
        return self.starts.strftime("%Y-%m-%dT%H:%M")


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _minus(spans: list[tuple], cuts: list[tuple]) -> list[tuple]:
    for cut_from, cut_to in cuts:
        left = []
        for start, end in spans:
            if cut_to <= start or cut_from >= end:
                left.append((start, end))
                continue
            if start < cut_from:
                left.append((start, cut_from))
            if cut_to < end:
                left.append((cut_to, end))
        spans = left
    return spans


def working_spans(specialist: Specialist, day: datetime.date, hours=None, off=None) -> list:
    """The specialist's working time on `day`, breaks taken out: [(from, until)], aware."""
    if off is None:
        off = DayOff.objects.filter(specialist=specialist, date=day).exists()
    if off:
        return []
    if hours is None:
        hours = list(WorkingHours.objects.filter(specialist=specialist, weekday=day.isoweekday()))
    work = [(_at(day, h.starts), _at(day, h.ends)) for h in hours if h.kind == h.Kind.WORK]
    breaks = [(_at(day, h.starts), _at(day, h.ends)) for h in hours if h.kind == h.Kind.BREAK]
    return _minus(sorted(work), breaks)


def busy(
    specialist_ids: list[int],
    since: datetime.datetime,
    until: datetime.datetime,
    *,
    now: datetime.datetime,
    leave_out: int | None = None,
) -> QuerySet[Appointment]:
    """The live appointments of these specialists that overlap [since, until): confirmed ones,
    and those awaiting payment whose hold has not run out."""
    live = Q(status=Appointment.Status.CONFIRMED) | Q(
        status=Appointment.Status.HELD, held_until__gt=now
    )
    found = Appointment.objects.filter(
        live, specialist_id__in=specialist_ids, starts__lt=until, ends__gt=since
    )
    return found.exclude(pk=leave_out) if leave_out else found


def window(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The earliest and latest moment a client may book now."""
    now = now or timezone.now()
    found = rules()
    return (
        now + datetime.timedelta(hours=found.notice_hours),
        now + datetime.timedelta(days=found.horizon_days),
    )


def free_slots(
    service: Service,
    day: datetime.date,
    specialist: Specialist | None = None,
    *,
    now: datetime.datetime | None = None,
    leave_out: int | None = None,
) -> list[Slot]:
    """Every start time on `day` when this specialist (or, with None, any of the service's)
    is free for the whole service, inside the booking window; each time once, with the
    specialist who would take it (the first free one by name). Four queries."""
    now = now or timezone.now()
    earliest, latest = window(now)
    people = [specialist] if specialist is not None else list(specialists_for(service))
    if not people:
        return []
    ids = [p.pk for p in people]
    hours = {}
    for row in WorkingHours.objects.filter(specialist_id__in=ids, weekday=day.isoweekday()):
        hours.setdefault(row.specialist_id, []).append(row)
    off = set(
        DayOff.objects.filter(specialist_id__in=ids, date=day).values_list(
            "specialist_id", flat=True
        )
    )
    day_from, day_to = (
        _at(day, datetime.time.min),
        _at(day + datetime.timedelta(days=1), datetime.time.min),
    )
    taken = {}
    for row in busy(ids, day_from, day_to, now=now, leave_out=leave_out).values(
        "specialist_id", "starts", "ends"
    ):
        taken.setdefault(row["specialist_id"], []).append((row["starts"], row["ends"]))
    length = service.duration
    slots: dict[datetime.datetime, Slot] = {}
    for person in people:
        spans = working_spans(person, day, hours.get(person.pk, []), person.pk in off)
        spans = _minus(spans, taken.get(person.pk, []))
        for start, end in spans:
            moment = start
            if (moment - day_from) % STEP:  # the next quarter hour
                moment += STEP - (moment - day_from) % STEP
            while moment + length <= end:
                if earliest <= moment <= latest and moment not in slots:
                    slots[moment] = Slot(timezone.localtime(moment), person)
                moment += STEP
    return [slots[moment] for moment in sorted(slots)]


def parse_slot(text: str) -> datetime.datetime | None:
    """A slot's key (2026-12-08T09:30, the cabinet's local time) as an aware datetime."""
    try:
        moment = datetime.datetime.strptime(str(text)[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return timezone.make_aware(moment)


def parse_day(text: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


# --- A client's own -----------------------------------------------------------------------------


def _with_details(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return queryset.select_related(
        "service__item", "specialist__user", "checkout"
    ).prefetch_related(
        Prefetch("documents", queryset=VisitDocument.objects.order_by("-created_at"))
    )


def client_appointments(client: ClientProfile) -> QuerySet[Appointment]:
    return _with_details(
        Appointment.objects.filter(client=client).exclude(status=Appointment.Status.EXPIRED)
    )


def client_appointment(client: ClientProfile, pk: object) -> Appointment | None:
    return _one(_with_details(Appointment.objects.filter(client=client)), pk)


def client_document(client: ClientProfile, pk: object) -> VisitDocument | None:
    return _one(
        VisitDocument.objects.filter(appointment__client=client).select_related("appointment"), pk
    )


# --- Staff --------------------------------------------------------------------------------------


def sees_all(staff: User) -> bool:
    return staff.has_perm("clinic.view_all_appointments")


def staff_specialists(staff: User) -> QuerySet[Specialist]:
    """The specialists whose schedules this member of staff sees: themselves, or all."""
    found = Specialist.objects.select_related("user").prefetch_related("services__item")
    return found if sees_all(staff) else found.filter(user=staff)


def staff_specialist(staff: User, pk: object) -> Specialist | None:
    return _one(staff_specialists(staff), pk)


def staff_appointments(staff: User) -> QuerySet[Appointment]:
    found = Appointment.objects.select_related(
        "client__user", "service__item", "specialist__user"
    ).exclude(status=Appointment.Status.EXPIRED)
    return found if sees_all(staff) else found.filter(specialist__user=staff)


def staff_day(staff: User, day: datetime.date, specialist: Specialist | None = None):
    since = _at(day, datetime.time.min)
    found = staff_appointments(staff).filter(
        starts__gte=since, starts__lt=since + datetime.timedelta(days=1)
    )
    return found.filter(specialist=specialist) if specialist is not None else found


def staff_appointment(staff: User, pk: object) -> Appointment | None:
    return _one(staff_appointments(staff).prefetch_related("documents"), pk)


def staff_history(staff: User, appointment: Appointment) -> QuerySet[Appointment]:
    """The client's other visits this member of staff may see (their own specialist's)."""
    return staff_appointments(staff).filter(client=appointment.client).exclude(pk=appointment.pk)


def staff_document(staff: User, pk: object) -> VisitDocument | None:
    """A visit document, for staff with the permission, of a client they may see."""
    if not staff.has_perm("clinic.view_visit_documents"):
        return None
    scope = VisitDocument.objects.select_related("appointment__client__user")
    if not sees_all(staff):
        scope = scope.filter(appointment__specialist__user=staff)
    return _one(scope, pk)


def paid_in_advance(*, checkout) -> bool:
    """PAID_IN_ADVANCE: the checkout pays for a held appointment of a prepaid service, so it is
    paid now, never on site."""
    return Appointment.objects.filter(
        checkout=checkout, prepay=True, status=Appointment.Status.HELD
    ).exists()
