"""The demo clinic at work: two specialists with their week, the demo client with a past visit
(its summary and a results document) and a coming one, and other patients' appointments."""

import datetime

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cabinet.accounts.models import ClientProfile
from cabinet.clinic.models import Appointment, Service, Specialist, WorkingHours
from cabinet.clinic.selectors import free_slots
from cabinet.clinic.services import appointment_book, document_add, visit_record
from cabinet.demo.seed import DemoTenant
from rbac.documents import Section, pdf_document
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from rbac.services import client_create

SPECIALISTS = [
    # email, name, speciality, services
    (
        "anna@clinic.example.com",
        "Dr Anna Weber",
        "General practitioner",
        ["First consultation", "Follow-up visit", "Blood test", "Vaccination"],
    ),
    (
        "omar@clinic.example.com",
        "Dr Omar Haddad",
        "Dermatologist",
        ["First consultation", "Skin check", "Follow-up visit"],
    ),
]
WEEK = [(day, datetime.time(9), datetime.time(17)) for day in range(1, 6)]
LUNCH = (datetime.time(13), datetime.time(14))
OTHERS = [("Maria Lopez", "maria@patient.example.com"), ("Tom Berg", "tom@patient.example.com")]


def _specialist(
    email: str, name: str, title: str, services: list[str], password: str
) -> Specialist:
    user = User(email=email, full_name=name, is_staff=True)
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    role_set(user=user, role=StaffProfile.Role.OPERATOR)
    specialist = Specialist.objects.create(user=user, title=title)
    specialist.services.set(Service.objects.filter(item__name__in=services))
    for weekday, starts, ends in WEEK:
        WorkingHours.objects.create(
            specialist=specialist, weekday=weekday, starts=starts, ends=ends
        )
        WorkingHours.objects.create(
            specialist=specialist, weekday=weekday, kind="break", starts=LUNCH[0], ends=LUNCH[1]
        )
    return specialist


def _results_pdf(patient: str, day: datetime.date) -> bytes:
    return pdf_document(
        title="Blood test results",
        subtitle=f"{patient}, {day:%d.%m.%Y}",
        sections=[
            Section(
                "Full blood count",
                [
                    ("Haemoglobin", "14.1 g/dL (13.0–17.0)"),
                    ("White cells", "6.2 ×10⁹/L (4.0–10.0)"),
                    ("Platelets", "250 ×10⁹/L (150–400)"),
                    ("Ferritin", "48 µg/L (30–400)"),
                ],
                note="All values within the reference ranges.",
            )
        ],
    )


def _next_slot(service: Service, specialist: Specialist, after_days: int):
    day = timezone.localdate() + datetime.timedelta(days=after_days)
    for offset in range(14):
        slots = free_slots(service, day + datetime.timedelta(days=offset), specialist)
        if slots:
            return slots[len(slots) // 3].starts
    return None


def seed_demo(*, guest: ClientProfile, owner: User, password: str) -> None:
    anna, omar = (_specialist(*row, password=password) for row in SPECIALISTS)
    blood = Service.objects.get(item__name="Blood test")
    consultation = Service.objects.get(item__name="First consultation")
    follow_up = Service.objects.get(item__name="Follow-up visit")
    # the demo client's past visit, with its summary and results
    past_day = timezone.localdate() - datetime.timedelta(days=9)
    starts = timezone.make_aware(datetime.datetime.combine(past_day, datetime.time(10)))
    visit = Appointment.objects.create(
        client=guest,
        specialist=anna,
        service=blood,
        starts=starts,
        ends=starts + blood.duration,
        status=Appointment.Status.CONFIRMED,
        prepay=True,
        paid_at=starts,
        price=blood.item.price,
        currency=blood.item.currency,
    )
    visit_record(
        appointment=visit,
        status=Appointment.Status.DONE,
        by=anna.user,
        summary="Blood drawn; all values are normal. Next check in a year.",
    )
    upload = SimpleUploadedFile(
        "results.pdf",
        _results_pdf(guest.user.get_full_name(), past_day),
        content_type="application/pdf",
    )
    document_add(
        appointment=visit, kind="results", title="Blood test results", upload=upload, by=anna.user
    )
    # a coming follow-up (not prepaid) for the demo client, and other patients' bookings
    moment = _next_slot(follow_up, anna, 3)
    if moment is not None:
        appointment_book(client=guest, service=follow_up, starts=moment, specialist=anna)
    for (name, email), specialist in zip(OTHERS, (anna, omar), strict=True):
        user = client_create(email=email, password=password, full_name=name, email_verified=True)
        patient = ClientProfile.objects.create(user=user)
        moment = _next_slot(consultation, specialist, 1)
        if moment is not None:
            booked = appointment_book(
                client=patient, service=follow_up, starts=moment, specialist=specialist
            )
            assert booked.pk


# The demo cabinet `make run` seeds (cabinet.demo.seed).
DEMO = DemoTenant(
    slug="clinic",
    name="Lindenhof Health Practice",
    vertical="clinic",
    tagline="Book a visit, pay in advance, find your results.",
    welcome="Book a visit at a time that suits you; your results appear here after it.",
    owner_email="owner@clinic.example.com",
    client_email="patient@clinic.example.com",
    client_name="Paula Patient",
    look={"primary_colour": "#0f766e", "accent_colour": "#f59e0b", "font": "modern"},
    questions=(
        ("Do I need to fast before the blood test?", "Yes, please don't eat for 8 hours."),
        ("Can I get a copy of my results on paper?", "Of course: ask at the reception."),
    ),
)
