"""Events with places, and the clients' bookings of them."""

from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.common.images import PictureField
from cabinet.common.money import Currency
from cabinet.common.translatable import TranslatableMixin


class Event(TranslatableMixin):
    """Something clients book a place at: an excursion, an evening event, a class."""

    translatable_fields = ("title", "description", "location")

    class Kind(models.TextChoices):
        EXCURSION = "excursion", _("Excursion")
        EVENT = "event", _("Event")
        CLASS = "class", _("Class")
        APPOINTMENT = "appointment", _("Appointment")

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EVENT)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    location = models.CharField(_("where"), max_length=120, blank=True)
    image = PictureField(_("picture"), upload_to="events/", blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"), default=10)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    # The event's own booking rules.
    cutoff_minutes = models.PositiveIntegerField(
        _("booking closes minutes before the start"), default=60,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )  # fmt: skip
    cancel_window_minutes = models.PositiveIntegerField(
        _("free cancellation until minutes before the start"), default=120,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )  # fmt: skip
    max_seats_per_booking = models.PositiveSmallIntegerField(
        _("places one client may book at once"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )  # fmt: skip

    class Meta:
        ordering = ("starts_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="event_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        """The places still free, never below 0: the capacity less the seats of confirmed
        bookings — as the selectors annotate them (`taken`), else counted now. The one place
        where "places left" is computed (pages, API, booking and checkout)."""
        taken = getattr(self, "taken", None)
        if taken is None:
            confirmed = self.bookings.filter(status=Booking.Status.CONFIRMED)
            taken = confirmed.aggregate(n=models.Sum("seats"))["n"] or 0
        return max(0, self.capacity - taken)


# --- Bookings ----------------------------------------------------------------------------------


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(ClientProfile, on_delete=models.CASCADE, related_name="bookings")
    seats = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # When staff checked the client's voucher at the door: a visit, in the client's history.
    checked_in_at = models.DateTimeField(null=True, blank=True)
    custom = models.JSONField(default=dict, blank=True)  # the owner's fields, target "booking"

    class Meta:
        ordering = ("created_at", "id")
        indexes = [GinIndex(fields=["custom"], name="booking_custom_gin")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats__gte=1, seats__lte=10), name="booking_seats_range"
            ),
            models.UniqueConstraint(
                fields=["event", "client"], condition=~models.Q(status="cancelled"),
                name="one_live_booking_per_client_and_event",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.event_id}"
