"""What the clinic tells a client, on the channels they chose for "My appointments": a
confirmation, the reminder before the visit (sent by the core's quarter-hourly reminders run
through cabinet.hooks.REMINDERS_DUE), and a new document of a visit. In the client's language;
notify()'s key makes a repeat a no-op."""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cabinet.clinic.apps import CLINIC_EVENT
from cabinet.clinic.models import Appointment, VisitDocument
from cabinet.clinic.selectors import rules
from cabinet.content.translations import tr
from cabinet.notifications.services import in_language_of, notify

REMINDERS_PER_RUN = 500


def _values(appointment: Appointment) -> dict[str, str]:
    return {
        "service": tr(appointment.service.item, "name"),
        "specialist": appointment.specialist.name,
        "when": date_format(timezone.localtime(appointment.starts), "DATETIME_FORMAT"),
    }


def _tell(appointment: Appointment, key: str, words) -> bool:
    user = appointment.client.user
    with in_language_of(user):
        title, body = words(_values(appointment))
    sent = notify(
        recipient=user,
        event=CLINIC_EVENT,
        title=title,
        body=body,
        url=reverse("clinic:appointment", args=[appointment.pk]),
        key=f"clinic:{key}",
    )
    return sent is not None


def _appointment(pk: int) -> Appointment | None:
    return (
        Appointment.objects.select_related("client__user", "service__item", "specialist__user")
        .filter(pk=pk)
        .first()
    )


def confirmed(pk: int) -> bool:
    appointment = _appointment(pk)
    if appointment is None or appointment.status != Appointment.Status.CONFIRMED:
        return False
    return _tell(
        appointment,
        f"confirmed:{pk}",
        lambda v: (
            _("Booked: %(service)s on %(when)s") % v,
            _("With %(specialist)s. You can move or cancel it in Appointments.") % v,
        ),
    )


def reminders_send() -> int:
    """Every confirmed appointment starting within the reminder time, once per time it is at
    (moving it makes a new reminder due)."""
    now = timezone.now()
    due = Appointment.objects.filter(
        status=Appointment.Status.CONFIRMED,
        reminded_at__isnull=True,
        starts__gt=now,
        starts__lte=now + datetime.timedelta(hours=rules().reminder_hours),
    ).select_related("client__user", "service__item", "specialist__user")[:REMINDERS_PER_RUN]
    sent = 0
    for appointment in due:
        key = f"reminder:{appointment.pk}:{appointment.starts:%Y%m%d%H%M}"
        told = _tell(
            appointment,
            key,
            lambda v: (
                _("Reminder: %(service)s on %(when)s") % v,
                _("With %(specialist)s. If you cannot come, please cancel in Appointments.") % v,
            ),
        )
        with transaction.atomic():
            Appointment.objects.filter(pk=appointment.pk, starts=appointment.starts).update(
                reminded_at=now
            )
        sent += told
    return sent


def document_ready(pk: int) -> bool:
    document = (
        VisitDocument.objects.select_related(
            "appointment__client__user",
            "appointment__service__item",
            "appointment__specialist__user",
        )
        .filter(pk=pk)
        .first()
    )
    if document is None:
        return False
    return _tell(
        document.appointment,
        f"document:{pk}",
        lambda v: (
            _("A new document of your visit: %(service)s") % v,
            _("Open it in Appointments, under your visit of %(when)s.") % v,
        ),
    )
