"""A hotel's guests: their stays (a reservation, a room, arrival and departure), the online
check-in before arrival, and the resort's map with its points of interest."""

import datetime

from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem, PricingUnit
from cabinet.common.images import PictureField
from cabinet.common.translatable import TranslatableMixin


class Room(TranslatableMixin):
    translatable_fields = ("kind",)

    number = models.CharField(_("room number"), max_length=16, unique=True)
    kind = models.CharField(_("room type"), max_length=80, blank=True)
    image = PictureField(_("picture"), upload_to="rooms/", blank=True)

    class Meta:
        ordering = ("number",)

    def __str__(self) -> str:
        return f"{self.number} {self.kind}".strip()


class Stay(models.Model):
    """One reservation of one guest (the client), from arrival to departure."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN_ONLINE = "online", _("Checked in online")
        IN_HOUSE = "in_house", _("In the hotel")
        DEPARTED = "departed", _("Departed")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(ClientProfile, on_delete=models.PROTECT, related_name="stays")
    reservation_code = models.CharField(_("reservation code"), max_length=16, unique=True)
    room = models.ForeignKey(
        Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.SET_NULL
    )
    room_type = models.CharField(_("room type booked"), max_length=80, blank=True)
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    adults = models.PositiveSmallIntegerField(
        _("adults"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    children = models.PositiveSmallIntegerField(
        _("children"), default=0, validators=[MaxValueValidator(12)]
    )
    # What the rate includes (breakfast, the spa, parking); everything else is an extra.
    included = models.ManyToManyField(
        CatalogItem, verbose_name=_("included in the stay"), blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    # The online check-in, filled in by the guest before arrival.
    guest_name = models.CharField(_("full name as in the document"), max_length=150, blank=True)
    guest_birth_date = models.DateField(_("birth date"), null=True, blank=True)
    citizenship = models.CharField(_("citizenship"), max_length=60, blank=True)
    document_number = models.CharField(_("document number"), max_length=40, blank=True)
    document = models.FileField(upload_to="private/check-in/", blank=True)
    document_name = models.CharField(max_length=120, blank=True)
    arrival_time = models.TimeField(_("expected arrival time"), null=True, blank=True)
    checked_in_online_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    custom = models.JSONField(default=dict, blank=True)  # the owner's fields, target "stay"
    # The reservation's id in the hotel's property-management system, for sync (blank: made here).
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        ordering = ("-arrival", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(departure__gt=F("arrival")), name="hotel_stay_departs_after_arrival"
            ),
            models.CheckConstraint(condition=Q(adults__gte=1), name="hotel_stay_one_adult"),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="hotel_stay_external_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-arrival"], name="hotel_stay_client_idx"),
            GinIndex(fields=["custom"], name="hotel_stay_custom_gin"),
        ]

    def __str__(self) -> str:
        return self.reservation_code

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def guests(self) -> int:
        return self.adults + self.children

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.DEPARTED, self.Status.CANCELLED)

    @property
    def can_check_in_online(self) -> bool:
        return self.status in (self.Status.BOOKED, self.Status.CHECKED_IN_ONLINE) and (
            self.departure > timezone.localdate()
        )

    def quantity_for(self, item: CatalogItem) -> int:
        """How many of an extra this stay takes: a night's price for every night, a person's
        for every guest, anything else once."""
        if item.unit == PricingUnit.NIGHT:
            return self.nights
        if item.unit == PricingUnit.PERSON:
            return self.guests
        return 1

    def is_current(self, today: datetime.date) -> bool:
        return self.arrival <= today < self.departure and not self.is_over


class MapPlan(models.Model):
    """The plan the owner uploaded for the resort map (one per cabinet); without one the map
    shows the bundled drawing."""

    singleton = models.BooleanField(default=True, editable=False)
    image = PictureField(_("plan of the resort"), upload_to="map/")
    width = models.PositiveIntegerField(default=800)
    height = models.PositiveIntegerField(default=560)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="hotel_one_map_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.width}×{self.height}"


class MapPoint(TranslatableMixin):
    """A point of interest on the resort map, placed in percent of the map's width and height."""

    translatable_fields = ("name", "description")

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("Reception")
        FOOD = "food", _("Restaurant or bar")
        POOL = "pool", _("Pool or beach")
        SPA = "spa", _("Spa and sport")
        SIGHT = "sight", _("Sight")
        TRANSPORT = "transport", _("Transport")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.SIGHT)
    description = models.CharField(_("description"), max_length=300, blank=True)
    x = models.DecimalField(
        _("across, %"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    y = models.DecimalField(
        _("down, %"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(x__gte=0, x__lte=100, y__gte=0, y__lte=100),
                name="hotel_map_point_on_the_map",
            )
        ]

    def __str__(self) -> str:
        return self.name
