"""The cabinet's brand (one row): colours, fonts, logo and cover, home blocks; and the
business's legal details its documents carry."""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabinet.common.images import small_name
from cabinet.common.translatable import TranslatableMixin

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a6b5c."))


class FontChoice(models.TextChoices):
    """Font pairings (headings / text) shipped in our static files, Latin and Cyrillic."""

    SYSTEM = "system", _("System: the phone's own font, fastest")
    MODERN = "modern", _("Modern: Inter")
    CLASSIC = "classic", _("Classic: Lora headings, Inter text")
    ELEGANT = "elegant", _("Elegant: Playfair Display headings, Manrope text")
    FRIENDLY = "friendly", _("Friendly: Nunito")


SYSTEM_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
SERIF_FALLBACK = 'Georgia, "Times New Roman", serif'
# (headings, text) for each pairing; the families are declared in static/css/fonts.css.
FONT_PAIRINGS = {
    FontChoice.SYSTEM: (SYSTEM_STACK, SYSTEM_STACK),
    FontChoice.MODERN: (f'"Inter", {SYSTEM_STACK}', f'"Inter", {SYSTEM_STACK}'),
    FontChoice.CLASSIC: (f'"Lora", {SERIF_FALLBACK}', f'"Inter", {SYSTEM_STACK}'),
    FontChoice.ELEGANT: (f'"Playfair Display", {SERIF_FALLBACK}', f'"Manrope", {SYSTEM_STACK}'),
    FontChoice.FRIENDLY: (f'"Nunito", {SYSTEM_STACK}', f'"Nunito", {SYSTEM_STACK}'),
}


cover_small_name = small_name  # the cover's phone-sized rendition sits beside it, like a picture's


class Branding(TranslatableMixin):
    """How this tenant's cabinet looks. One row per schema (enforced by a constraint)."""

    translatable_fields = ("display_name", "tagline", "welcome_text")

    singleton = models.BooleanField(default=True, editable=False)
    display_name = models.CharField(_("name shown to clients"), max_length=120)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    welcome_text = models.TextField(_("welcome text"), max_length=2000, blank=True)
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    cover = models.ImageField(_("cover photo"), upload_to="branding/", blank=True)
    primary_colour = models.CharField(max_length=7, default="#1f5f8b", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#e0a100", validators=[hex_colour])
    font = models.CharField(max_length=16, choices=FontChoice.choices, default=FontChoice.SYSTEM)
    # The blocks of the clients' home page, in order (cabinet.content.home.BLOCKS); empty: the
    # vertical's defaults.
    home_blocks = models.JSONField(default=list, blank=True)
    # The languages the owner writes content in (codes of settings.LANGUAGES); empty: the
    # cabinet's default language and English (cabinet.content.translations.content_languages).
    content_languages = models.JSONField(_("content languages"), default=list, blank=True)
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
        return FONT_PAIRINGS.get(self.font, FONT_PAIRINGS[FontChoice.SYSTEM])[1]

    @property
    def heading_font_stack(self) -> str:
        return FONT_PAIRINGS.get(self.font, FONT_PAIRINGS[FontChoice.SYSTEM])[0]

    @property
    def cover_small_url(self) -> str:
        return self.cover.storage.url(cover_small_name(self.cover.name)) if self.cover else ""


class BusinessDetails(models.Model):
    """What the business's receipts, invoices and vouchers say of it: its legal name, address and
    tax id, VAT, and the prefixes of its numbering series. One row per schema."""

    singleton = models.BooleanField(default=True, editable=False)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    vat_percent = models.DecimalField(
        _("VAT %"), max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
        help_text=_("Leave empty if your prices carry no VAT."),
    )  # fmt: skip
    receipt_prefix = models.CharField(_("receipts start with"), max_length=12, default="R-")
    invoice_prefix = models.CharField(_("invoices start with"), max_length=12, default="INV-")
    voucher_prefix = models.CharField(_("vouchers start with"), max_length=12, default="V-")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["singleton"], name="business_details_one_row"),
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="business_details_singleton"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name or "business details"
