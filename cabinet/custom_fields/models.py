"""The fields the owner adds to clients, orders, bookings or a vertical's records."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.verticals import verticals


def custom_field_target_choices() -> list[tuple[str, object]]:
    """What the owner may add fields to: the core's records, then every vertical's."""
    added = [(t.key, t.label) for vertical in verticals() for t in vertical.field_targets]
    return [*CustomField.Target.choices, *added]


class CustomField(models.Model):
    """A field the owner adds to clients, orders, bookings or a vertical's records (a hotel's
    stays), without code.
    Values live on the record itself, in its `custom` JSON column (GIN-indexed): read with the
    row, erased and exported with it; see cabinet/custom_fields/services.py for why not a value
    table."""

    class Target(models.TextChoices):
        CLIENT = "client", _("Clients")
        ORDER = "order", _("Orders")
        BOOKING = "booking", _("Event bookings")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("A number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        YES_NO = "yes_no", _("Yes or no")
        FILE = "file", _("File")

    class Access(models.TextChoices):
        CLIENT = "client", _("The client sees and edits it")
        STAFF = "staff", _("Staff only")
        PERSONAL = "personal", _("Personal data: the client edits it, staff see it masked")

    target = models.CharField(_("added to"), max_length=10, choices=custom_field_target_choices)
    key = models.SlugField(_("key"), max_length=40, help_text=_("Its name in the API and exports."))
    label = models.CharField(_("label"), max_length=80)
    help_text = models.CharField(_("hint"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    access = models.CharField(_("who sees it"), max_length=8, choices=Access.choices,
                              default=Access.STAFF)  # fmt: skip
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Switched off, it is hidden; its values are kept.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("target", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="one_custom_field_per_key")
        ]

    def __str__(self) -> str:
        return self.label
