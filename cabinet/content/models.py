"""The owner's information pages (and the welcome page)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cabinet.common.images import PictureField
from cabinet.common.translatable import TranslatableMixin


class InfoPage(TranslatableMixin):
    """A page of the business's information: the welcome, Wi-Fi and rules, meal times."""

    translatable_fields = ("title", "body")

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome")
        INFO = "info", _("Information")

    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INFO)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=10_000)
    image = PictureField(_("picture"), upload_to="pages/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.title
