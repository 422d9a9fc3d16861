from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a6b5c."))


class FontChoice(models.TextChoices):
    SYSTEM = "system", _("System (fast, native)")
    SERIF = "serif", _("Serif (classic)")
    ROUNDED = "rounded", _("Rounded (friendly)")
    MONO = "mono", _("Monospace (technical)")


FONT_STACKS = {
    FontChoice.SYSTEM: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    FontChoice.SERIF: 'Georgia, "Times New Roman", serif',
    FontChoice.ROUNDED: '"Trebuchet MS", "Segoe UI", system-ui, sans-serif',
    FontChoice.MONO: 'ui-monospace, "SFMono-Regular", Menlo, monospace',
}


class Branding(models.Model):
    """How this tenant's cabinet looks. One row per schema (enforced by a constraint)."""

    singleton = models.BooleanField(default=True, editable=False)
    display_name = models.CharField(_("name shown to clients"), max_length=120)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    welcome_text = models.TextField(_("welcome text"), max_length=2000, blank=True)
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    primary_colour = models.CharField(max_length=7, default="#1f5f8b", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#e0a100", validators=[hex_colour])
    font = models.CharField(max_length=16, choices=FontChoice.choices, default=FontChoice.SYSTEM)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="branding_one_row"),
            models.CheckConstraint(condition=models.Q(singleton=True), name="branding_singleton"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def font_stack(self) -> str:
        return FONT_STACKS.get(self.font, FONT_STACKS[FontChoice.SYSTEM])
