"""The catalog: services and products by section, with their prices and pricing units."""

import datetime

from django.core.validators import RegexValidator
from django.db import models
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

from cabinet.common.images import PictureField
from cabinet.common.money import Currency
from cabinet.common.translatable import TranslatableMixin


class CatalogCategory(TranslatableMixin):
    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "catalog categories"

    def __str__(self) -> str:
        return self.name


class PricingUnit(models.TextChoices):
    ITEM = "item", _("per item")
    NIGHT = "night", _("per night")
    PERSON = "person", _("per person")
    HOUR = "hour", _("per hour")
    LESSON = "lesson", _("per lesson")
    MONTH = "month", _("per month")


class CatalogItem(TranslatableMixin):
    """A service or product the business offers; a price of zero means it is included free."""

    translatable_fields = ("name", "description")

    category = models.ForeignKey(CatalogCategory, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    unit = models.CharField(max_length=8, choices=PricingUnit.choices, default=PricingUnit.ITEM)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    image = PictureField(_("picture"), upload_to="catalog/", blank=True)
    # When it can be ordered, in the business's local time: a daily window (it may run past
    # midnight, 22:00–02:00) and the days of the week (ISO numbers, "12345" = Monday–Friday).
    available_from = models.TimeField(_("available from"), null=True, blank=True)
    available_until = models.TimeField(_("available until"), null=True, blank=True)
    available_days = models.CharField(
        _("days of the week"), max_length=7, blank=True, default="",
        validators=[RegexValidator(r"^[1-7]{0,7}$", _("Use day numbers 1 (Monday) to 7."))],
    )  # fmt: skip

    class Meta:
        ordering = ("category__position", "position", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalogitem_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(available_from__isnull=True, available_until__isnull=True)
                | models.Q(available_from__isnull=False, available_until__isnull=False),
                name="catalogitem_window_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def has_window(self) -> bool:
        return self.available_from is not None and self.available_until is not None

    @property
    def availability_label(self) -> str:
        """ "07:00–23:00 · Mon, Tue" for clients; empty when it can always be ordered."""
        parts = []
        if self.has_window:
            parts.append(f"{self.available_from:%H:%M}–{self.available_until:%H:%M}")
        if self.available_days and len(set(self.available_days)) < 7:
            parts.append(
                ", ".join(str(WEEKDAYS_ABBR[int(d) - 1]) for d in sorted(set(self.available_days)))
            )
        return " · ".join(parts)

    def is_available_at(self, local: datetime.datetime) -> bool:
        """Orderable at this local date and time."""
        if self.available_days and str(local.isoweekday()) not in self.available_days:
            return False
        if not self.has_window:
            return True
        start, end, now = self.available_from, self.available_until, local.time()
        if start <= end:
            return start <= now < end
        return now >= start or now < end  # past midnight
