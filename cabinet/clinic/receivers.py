"""The appointments' answers to rbac's personal-data signals: a client's visits and their
documents in the client's data export (a specialist's: their specialist record, hours and the
documents they uploaded); on deletion the visit documents and their files are erased, unpaid
appointments deleted, and paid ones (accounting records) kept without the note, the visit summary
or the owner's fields. A specialist who is erased takes no more appointments; their past ones stay
the clinic's, under the anonymised account (as the core keeps a member of staff's records)."""

from typing import Any

from django.dispatch import receiver

from cabinet.clinic.models import Appointment, Specialist, VisitDocument
from cabinet.verticals import current_vertical
from rbac.models import User
from rbac.signals import (
    PersonalDataSection,
    file_delete_on_commit,
    personal_data_erasing,
    personal_data_requested,
    personal_record,
)


def _visit_records(user: User) -> list[dict[str, str]]:
    appointments = Appointment.objects.filter(client__user=user).select_related(
        "service__item", "specialist__user"
    )
    return [
        personal_record(
            appointment=a.pk,
            service=a.service.item.name,
            specialist=a.specialist.name,
            starts=a.starts,
            ends=a.ends,
            status=a.status,
            price=a.price,
            currency=a.currency,
            paid=a.paid_at,
            note=a.note,
            visit_summary=a.summary,
            booked=a.created_at,
        )
        for a in appointments
    ]


def _document_records(user: User) -> list[dict[str, str]]:
    # As the hotel's check-in document: named in the export, the file itself stays private.
    return [
        personal_record(
            appointment=d.appointment_id,
            document=d.title,
            kind=d.kind,
            added=d.created_at,
            file=d.file.name.rsplit("/", 1)[-1] if d.file else "",
        )
        for d in VisitDocument.objects.filter(appointment__client__user=user)
    ]


def _specialist_records(user: User) -> list[dict[str, str]]:
    records = []
    for s in Specialist.objects.filter(user=user).prefetch_related(
        "services__item", "hours", "days_off"
    ):
        records.append(
            personal_record(
                speciality=s.title,
                services=", ".join(service.item.name for service in s.services.all()),
                takes_appointments=s.is_active,
            )
        )
        records += [
            personal_record(weekday=h.weekday, kind=h.kind, starts=h.starts, ends=h.ends)
            for h in s.hours.all()
        ]
        records += [personal_record(day_off=d.date, reason=d.reason) for d in s.days_off.all()]
    records += [
        personal_record(document_uploaded=d.kind, on=d.created_at)
        for d in VisitDocument.objects.filter(uploaded_by=user)
    ]
    return records


@receiver(personal_data_requested, dispatch_uid="clinic-personal-data")
def export_visits(sender: type[User], user: User, **kwargs: Any) -> list[PersonalDataSection]:
    if current_vertical() != "clinic":
        return []
    sections = [
        PersonalDataSection(
            title="Appointments and visit documents",
            records=_visit_records(user) + _document_records(user),
            sources=("clinic.Appointment", "clinic.VisitDocument"),
        )
    ]
    if user.is_staff:
        sections.append(
            PersonalDataSection(
                title="Work as a specialist",
                records=_specialist_records(user),
                sources=("clinic.Specialist", "clinic.VisitDocument"),
            )
        )
    return sections


@receiver(personal_data_erasing, dispatch_uid="clinic-personal-data-erase")
def erase_visits(sender: type[User], user: User, **kwargs: Any) -> None:
    documents = VisitDocument.objects.filter(appointment__client__user=user)
    for document in documents.exclude(file=""):
        file_delete_on_commit(document.file)
    documents.delete()
    appointments = Appointment.objects.filter(client__user=user)
    appointments.filter(paid_at__isnull=True).delete()
    # Paid visits are the business's accounting (the order points to them): kept, without the
    # person's words; a paid one still ahead no longer holds the specialist's time.
    appointments.filter(status__in=Appointment.LIVE).update(status=Appointment.Status.CANCELLED)
    appointments.update(note="", summary="", custom={})
    # A specialist: takes no more appointments; who uploaded a document is forgotten.
    Specialist.objects.filter(user=user).update(is_active=False)
    VisitDocument.objects.filter(uploaded_by=user).update(uploaded_by=None)
