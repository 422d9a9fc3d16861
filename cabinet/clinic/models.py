"""Appointments: specialists (members of staff) with weekly working hours, breaks and days off;
services (a catalog item, for its name and price, with a duration); a client's appointment with
one specialist for one service; and a visit's private documents (results, prescriptions).

A specialist is never booked twice at once: booking locks the specialist's row and checks the
time is free (cabinet.clinic.services), and the database refuses two live appointments of one
specialist starting at the same moment. A service paid in advance cannot be confirmed unpaid:
the database refuses a confirmed or done appointment of such a service without `paid_at`."""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.models import Checkout

WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class Service(models.Model):
    """What a client books: the catalog item gives its name, description and price (in every
    content language); the service adds how long it takes and whether it is paid in advance."""

    item = models.OneToOneField(
        CatalogItem,
        verbose_name=_("catalog item (name and price)"),
        on_delete=models.CASCADE,
        related_name="clinic_service",
    )
    minutes = models.PositiveSmallIntegerField(
        _("duration, minutes"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    prepay = models.BooleanField(
        _("paid in advance"),
        default=False,
        help_text=_("The appointment is confirmed once the client has paid through the checkout."),
    )

    class Meta:
        ordering = ("item__position", "item__name")
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=5, minutes__lte=480), name="clinic_service_minutes"
            )
        ]
        permissions = [
            ("view_all_appointments", "Sees every specialist's appointments and clients"),
            ("manage_schedule", "Edits specialists' hours, breaks and days off"),
            ("view_visit_documents", "Opens the visit documents of the clients they may see"),
        ]

    def __str__(self) -> str:
        return self.item.name

    @property
    def duration(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.minutes)


class Specialist(models.Model):
    user = models.OneToOneField(
        "rbac.User",
        verbose_name=_("member of staff"),
        on_delete=models.CASCADE,
        related_name="clinic_specialist",
        limit_choices_to={"is_staff": True},
    )
    title = models.CharField(_("speciality"), max_length=80)
    services = models.ManyToManyField(
        Service, verbose_name=_("services"), related_name="specialists", blank=True
    )
    is_active = models.BooleanField(_("takes appointments"), default=True)

    class Meta:
        ordering = ("user__full_name", "id")

    def __str__(self) -> str:
        return self.user.get_full_name()

    @property
    def name(self) -> str:
        return self.user.get_full_name()


class WorkingHours(models.Model):
    """A weekly interval of the specialist's time: work, or a break inside it."""

    class Kind(models.TextChoices):
        WORK = "work", _("Working hours")
        BREAK = "break", _("Break")

    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=WEEKDAYS)
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.WORK)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        ordering = ("weekday", "starts")
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="clinic_hours_ends"),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="clinic_hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specialist_id} {self.weekday} {self.kind} {self.starts}-{self.ends}"


class DayOff(models.Model):
    specialist = models.ForeignKey(Specialist, on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=["specialist", "date"], name="clinic_day_off_once")
        ]

    def __str__(self) -> str:
        return f"{self.specialist_id} off {self.date}"


class BookingRules(models.Model):
    """The cabinet's windows (one row): how far ahead and how soon a client may book, until when
    they may move or cancel, how long an unpaid booking holds its time, when the reminder goes."""

    horizon_days = models.PositiveSmallIntegerField(
        _("book at most this many days ahead"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    notice_hours = models.PositiveSmallIntegerField(
        _("book at least this many hours ahead"),
        default=2,
        validators=[MaxValueValidator(720)],
    )
    change_hours = models.PositiveSmallIntegerField(
        _("move or cancel until this many hours before"),
        default=24,
        validators=[MaxValueValidator(720)],
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("an unpaid booking holds its time for, minutes"),
        default=20,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind this many hours before"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )

    def __str__(self) -> str:
        return "booking rules"


class Appointment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Not paid in time")
        DONE = "done", _("Visited")
        NO_SHOW = "no_show", _("Missed")

    LIVE = (Status.HELD, Status.CONFIRMED)

    client = models.ForeignKey(
        ClientProfile, on_delete=models.CASCADE, related_name="clinic_appointments"
    )
    specialist = models.ForeignKey(
        Specialist, on_delete=models.PROTECT, related_name="appointments"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    prepay = models.BooleanField(default=False)  # as the service said when booked
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    checkout = models.ForeignKey(
        Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("a note for the specialist"), max_length=300, blank=True)
    summary = models.TextField(_("visit summary"), max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    custom = models.JSONField(default=dict, blank=True)  # the owner's fields, target "visit"

    class Meta:
        ordering = ("starts", "id")
        indexes = [models.Index(fields=["specialist", "starts"], name="clinic_appt_spec_starts")]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="clinic_appt_ends"),
            models.UniqueConstraint(
                fields=["specialist", "starts"],
                # equalities, not IN: PostgreSQL prints an IN over varchar in a form that reads
                # back differently, and a cloned schema must equal its template
                condition=Q(status="held") | Q(status="confirmed"),
                name="clinic_appt_one_live_per_start",
            ),
            models.CheckConstraint(
                condition=~(
                    (Q(status="confirmed") | Q(status="done"))
                    & Q(prepay=True, paid_at__isnull=True)
                ),
                name="clinic_appt_prepaid_before_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class VisitDocument(models.Model):
    """A private file of a visit (results, a prescription): opened only by its client and by
    staff with the permission who may see the client; every opening is audited. Stored under
    private/ and served only through the cabinet's views, never by a public URL."""

    class Kind(models.TextChoices):
        RESULTS = "results", _("Results")
        PRESCRIPTION = "prescription", _("Prescription")
        OTHER = "other", _("Document")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RESULTS)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(upload_to="private/clinic/")
    content_type = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(
        "rbac.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title
