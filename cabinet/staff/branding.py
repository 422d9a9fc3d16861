"""The owner's branding page: the cabinet's name and texts, its colours (checked for contrast,
with a fix proposed), a font pairing, the logo and the cover photo, with a phone-sized preview
that follows every change before it is saved. Every change is audited."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import owner_required
from cabinet.branding.contrast import TEXT_RATIO, WHITE, contrast_ratio, darkened_to
from cabinet.branding.models import FONT_PAIRINGS, Branding, BusinessDetails, FontChoice, hex_colour
from cabinet.branding.selectors import branding_get
from cabinet.branding.services import (
    BRANDING_TEXT_FIELDS,
    COVER_MAX_BYTES,
    LOGO_MAX_BYTES,
    branding_change,
    branding_cover_set,
    branding_logo_set,
    branding_picture_remove,
    business_details_change,
    picture_check,
)
from cabinet.content.translations import TranslatedFormMixin, content_languages
from cabinet.documents.letterhead import business_details_get
from cabinet.rendering import render_cabinet


class FontPairingSelect(forms.RadioSelect):
    """Each pairing carries its heading and text stacks, for the live preview."""

    def create_option(self, *args: object, **kwargs: object) -> dict:
        option = super().create_option(*args, **kwargs)
        heading, body = FONT_PAIRINGS.get(option["value"], FONT_PAIRINGS[FontChoice.SYSTEM])
        option["attrs"].update({"data-heading": heading, "data-body": body})
        return option


class ColourInput(forms.TextInput):
    input_type = "color"


ACCEPT = {"accept": "image/png,image/jpeg,image/webp,image/gif"}


def _language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class BrandingForm(TranslatedFormMixin, forms.ModelForm):
    # FileFields, not ImageFields: the services' own check explains what it refuses (an SVG).
    logo = forms.FileField(
        label=gettext_lazy("Logo"), required=False,
        widget=forms.ClearableFileInput(attrs=ACCEPT),
        help_text=gettext_lazy("PNG, JPEG or WebP, at most 2 MB; a square one looks best."),
    )  # fmt: skip
    cover = forms.FileField(
        label=gettext_lazy("Cover photo"), required=False,
        widget=forms.ClearableFileInput(attrs=ACCEPT),
        help_text=gettext_lazy("The picture on top of your clients' home: landscape, up to 8 MB."),
    )  # fmt: skip

    content_languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages you write in"), required=False,
        choices=_language_choices, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Your services, events, pages and offers get a text per language; clients read "
            "theirs, or your default language's when it is not written."
        ),
    )  # fmt: skip

    class Meta:
        model = Branding
        fields = tuple(name for name in BRANDING_TEXT_FIELDS if name != "translations")
        labels = {
            "primary_colour": gettext_lazy("Main colour"),
            "accent_colour": gettext_lazy("Accent colour"),
            "font": gettext_lazy("Fonts"),
        }
        help_texts = {
            "primary_colour": gettext_lazy("The top bar, buttons and links."),
            "accent_colour": gettext_lazy("Highlights: your initial, pins on the map."),
            "tagline": gettext_lazy("One line under your name, e.g. “Your stay, your way”."),
        }
        widgets = {
            "primary_colour": ColourInput(),
            "accent_colour": ColourInput(),
            "font": FontPairingSelect(),
            "welcome_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if "content_languages" in self.fields:
            self.initial["content_languages"] = self.content_languages

    def clean_content_languages(self) -> list[str]:
        """The default language is always written in; it comes first."""
        return content_languages(self.cleaned_data.get("content_languages") or [])

    def clean_primary_colour(self) -> str:
        colour = self.cleaned_data["primary_colour"].lower()
        hex_colour(colour)
        ratio = contrast_ratio(colour, WHITE)
        if ratio < TEXT_RATIO:
            self.suggested_primary = darkened_to(colour, ratio=TEXT_RATIO)
            raise ValidationError(
                _(
                    "White text on this colour, and this colour as text on white, reach only "
                    "%(ratio).1f:1; AA asks for 4.5:1. A darker shade of it, %(fix)s, passes."
                )
                % {"ratio": ratio, "fix": self.suggested_primary},
                code="contrast",
            )
        return colour

    def clean_accent_colour(self) -> str:
        return self.cleaned_data["accent_colour"].lower()


class BrandingStartForm(BrandingForm):
    """Right after signing up: the two colours and a logo, nothing else (all optional)."""

    cover = None
    content_languages = None

    class Meta(BrandingForm.Meta):
        fields = ("primary_colour", "accent_colour")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].widget.attrs["data-drop-zone"] = ""


class BusinessDetailsForm(forms.ModelForm):
    class Meta:
        model = BusinessDetails
        fields = (
            "legal_name", "address", "tax_id", "vat_percent",
            "receipt_prefix", "invoice_prefix", "voucher_prefix",
        )  # fmt: skip
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "legal_name": gettext_lazy("As registered, e.g. “Seaside Resorts LLC”."),
            "tax_id": gettext_lazy("Your VAT or tax number, as receipts must show it."),
        }


@require_http_methods(["GET", "POST"])
@owner_required
def branding_edit(request: HttpRequest) -> HttpResponse:
    branding = branding_get()
    form = BrandingForm(request.POST or None, request.FILES or None, instance=_fresh(branding))
    details = business_details_get()
    legal = BusinessDetailsForm(request.POST or None, instance=details, prefix="legal")
    if request.method == "POST" and form.is_valid() & legal.is_valid():  # both, for every error
        uploads = {
            field: (form.cleaned_data[field], store, max_bytes)
            for field, store, max_bytes in (
                ("logo", branding_logo_set, LOGO_MAX_BYTES),
                ("cover", branding_cover_set, COVER_MAX_BYTES),
            )
            if form.cleaned_data.get(field)
        }
        for field, (upload, _store, max_bytes) in uploads.items():
            try:  # both pictures are checked before anything is stored
                picture_check(upload, max_bytes=max_bytes)
            except ValidationError as exc:
                form.add_error(field, exc)
        if not form.errors:
            try:
                for upload, store, _max_bytes in uploads.values():
                    store(upload=upload, request=request)
            except ValidationError as exc:  # the plan's storage is full
                form.add_error(None, exc)
        if not form.errors:
            text = {name: form.cleaned_data[name] for name in BRANDING_TEXT_FIELDS}
            branding_change(request=request, **text)
            business_details_change(request=request, **legal.cleaned_data)
            messages.success(request, _("Your cabinet's look is saved."))
            return HttpResponseRedirect(reverse("staff:branding"))
    context = {
        "form": form,
        "legal": legal,
        "branding": branding_get(),
        "suggested_primary": getattr(form, "suggested_primary", ""),
    }
    status = 400 if request.method == "POST" else 200
    return render_cabinet(request, "staff/branding.html", context, status=status)


@require_http_methods(["GET", "POST"])
@owner_required
def branding_start(request: HttpRequest) -> HttpResponse:
    """The optional step after signing up: colours and a logo, saved through the same audited
    services as the branding page, or skipped."""
    form = BrandingStartForm(request.POST or None, request.FILES or None,
                             instance=_fresh(branding_get()))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        logo = form.cleaned_data.get("logo")
        try:
            if logo:
                picture_check(logo)
                branding_logo_set(upload=logo, request=request)
        except ValidationError as exc:
            form.add_error("logo", exc)
        else:
            branding_change(request=request, primary_colour=form.cleaned_data["primary_colour"],
                            accent_colour=form.cleaned_data["accent_colour"])  # fmt: skip
            messages.success(request, _("Your colours are on. Add a cover photo and fonts here."))
            return HttpResponseRedirect(reverse("staff:branding"))
    context = {"form": form, "suggested_primary": getattr(form, "suggested_primary", "")}
    status = 400 if request.method == "POST" else 200
    return render_cabinet(request, "staff/branding_start.html", context, status=status)


def _fresh(branding: Branding) -> Branding:
    """An unsaved copy for the form to bind to, so a refused edit never touches the cached
    branding that the page's own header shows."""
    return Branding(
        **{f.attname: getattr(branding, f.attname) for f in Branding._meta.concrete_fields}
    )


@require_POST
@owner_required
def branding_picture_delete(request: HttpRequest, which: str) -> HttpResponse:
    try:
        branding_picture_remove(which=which, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The picture is removed."))
    return HttpResponseRedirect(reverse("staff:branding"))
