from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.common.images import picture_file
from cabinet.common.storage_quota import storage_changed, storage_check
from cabinet.content.models import InfoPage
from cabinet.content.translations import TranslatedFormMixin
from cabinet.custom_fields.models import CustomField
from cabinet.messaging.models import CannedAnswer
from cabinet.wallet.models import Club, Offer, Tier
from cabinet.work.models import RequestType


def plain_text(value: str) -> str:
    """One line of text as people type it (spaces folded), refusing markup and control
    characters: for names, addresses and notes that staff and other pages show."""
    value = " ".join(value.split())
    if any(ch in value for ch in "<>") or any(ord(ch) < 32 for ch in value):
        raise ValidationError(_("Use letters, digits and punctuation only, without < or >."))
    return value


PICTURE_HELP = _("A PNG, JPEG or WebP picture of at most 5 MB; it is resized for phones.")


def picture_input() -> forms.ClearableFileInput:
    """The file drop zone staff editors show for a picture (static/js/drop_zone.js)."""
    return forms.ClearableFileInput(
        attrs={"accept": "image/png,image/jpeg,image/webp", "data-drop-zone": ""}
    )


class PictureFormMixin:
    """A model form whose `image` is re-encoded (upright, bare, WebP kept, a small rendition
    beside it) and counted against the plan's storage before it is kept."""

    def clean_image(self) -> object:
        image = self.cleaned_data.get("image")
        if image and isinstance(image, UploadedFile):
            picture = picture_file(image)
            storage_check(picture.size + len(picture.small) + len(picture.thumb), for_staff=True)
            storage_changed()
            return picture
        return image


class InfoPageForm(TranslatedFormMixin, PictureFormMixin, forms.ModelForm):
    class Meta:
        model = InfoPage
        fields = ("title", "kind", "body", "image", "position", "is_published")
        help_texts = {
            "body": _("Plain text; blank lines start new paragraphs."),
            "image": PICTURE_HELP,
            "position": _("Lower numbers come first."),
        }
        widgets = {"image": picture_input()}


class CatalogItemForm(TranslatedFormMixin, PictureFormMixin, forms.ModelForm):
    class Meta:
        model = CatalogItem
        fields = ("category", "name", "description", "price", "currency", "unit", "is_active",
                  "image", "available_from", "available_until", "available_days")  # fmt: skip
        help_texts = {
            "price": _("0 means included for free; clients see “Free”."),
            "unit": _("How the price counts: per item, per night, per person …"),
            "image": PICTURE_HELP,
            "available_from": _("Leave both times empty to take orders all day."),
            "available_until": _("May be after midnight: 22:00 until 02:00."),
            "available_days": _(
                "Day numbers, 1 = Monday: 12345 for weekdays; empty for every day."
            ),
        }
        widgets = {
            "price": forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
            "available_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "available_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "image": picture_input(),
        }

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if (cleaned.get("available_from") is None) != (cleaned.get("available_until") is None):
            self.add_error("available_until", _("Give both times, or neither."))
        if cleaned.get("available_from") and cleaned.get("available_from") == cleaned.get(
            "available_until"
        ):
            self.add_error("available_until", _("The window must not start and end at once."))
        return cleaned


class EventForm(TranslatedFormMixin, PictureFormMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ("kind", "title", "description", "image", "location", "starts_at", "ends_at",
                  "capacity", "price", "currency", "cutoff_minutes", "cancel_window_minutes",
                  "max_seats_per_booking")  # fmt: skip
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "price": forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
            "image": picture_input(),
        }
        help_texts = {
            "image": PICTURE_HELP,
            "capacity": _("How many places can be booked."),
            "cutoff_minutes": _("60: booking closes an hour before the start."),
            "cancel_window_minutes": _("1440: clients cancel free of charge until a day before."),
        }

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        return cleaned


class OfferForm(TranslatedFormMixin, forms.ModelForm):
    """An offer for everyone or for one target (a client by email, a tier, a club, a segment);
    with a code, clients redeem it at checkout within its limits."""

    client_email = forms.EmailField(
        label=_("For one client (their email)"), required=False,
        help_text=_("Leave the targets empty to offer it to every client."),
    )  # fmt: skip

    class Meta:
        model = Offer
        fields = (
            "title", "description", "code", "discount_percent", "discount_amount", "tier",
            "club", "segment", "max_uses", "max_uses_per_client", "valid_until", "is_active",
        )  # fmt: skip
        widgets = {
            "valid_until": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }
        help_texts = {
            "code": _("What clients type at checkout, e.g. SUMMER10. Leave empty for no code."),
            "discount_amount": _("Taken off after the percent, in the order's currency."),
            "max_uses": _("Leave empty for no limit in all."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.client_id:
            self.fields["client_email"].initial = self.instance.client.user.email
        self.order_fields(["title", "description", "code", "discount_percent", "discount_amount",
                           "client_email"])  # fmt: skip

    def clean_code(self) -> str:
        from cabinet.wallet.loyalty import normalise_code

        return normalise_code(self.cleaned_data.get("code", ""))

    def clean(self) -> dict[str, object]:
        from cabinet.accounts.models import ClientProfile

        cleaned = super().clean() or {}
        email = cleaned.get("client_email")
        client = None
        if email:
            client = ClientProfile.objects.filter(user__email__iexact=email).first()
            if client is None:
                self.add_error("client_email", _("No client has this email."))
        self.instance.client = client
        targets = [bool(client), bool(cleaned.get("tier")), bool(cleaned.get("club")),
                   bool(cleaned.get("segment"))]  # fmt: skip
        if sum(targets) > 1:
            raise forms.ValidationError(_("Choose one target at most: a client, a tier, a club "
                                          "or a segment."))  # fmt: skip
        return cleaned


class ClubForm(TranslatedFormMixin, forms.ModelForm):
    class Meta:
        model = Club
        fields = ("name", "description", "discount_percent", "perks", "is_open")
        help_texts = {
            "discount_percent": _("Members pay this much less on every order and booking."),
            "perks": _("What members get, one perk a line."),
        }


class StepsField(forms.CharField):
    """A list of short steps, typed one a line."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value: object) -> object:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: object) -> list[str]:
        lines = [" ".join(line.split()) for line in str(value or "").splitlines()]
        steps = [line[:200] for line in lines if line]
        if len(steps) > 20:
            raise forms.ValidationError(_("At most 20 steps."))
        return steps


class RequestTypeForm(TranslatedFormMixin, forms.ModelForm):
    """The owner's standard process for a kind of request: how fast, which steps, and whether
    clients may ask for it from their cabinet (with the question they answer)."""

    checklist = StepsField(label=_("Steps, one a line"), required=False)

    class Meta:
        model = RequestType
        fields = ("name", "sla_minutes", "checklist", "client_requestable", "form_hint")
        help_texts = {
            "sla_minutes": _("New requests of this type are due this many minutes after they "
                             "arrive."),
            "client_requestable": _("Clients see it under My requests and can send it."),
        }  # fmt: skip

    def clean_sla_minutes(self) -> int:
        minutes = self.cleaned_data["sla_minutes"]
        if not 5 <= minutes <= 60 * 24 * 14:
            raise forms.ValidationError(_("Between 5 minutes and 14 days."))
        return minutes


class CannedAnswerForm(TranslatedFormMixin, forms.ModelForm):
    class Meta:
        model = CannedAnswer
        fields = ("title", "body", "language", "request_type")


class TierForm(TranslatedFormMixin, forms.ModelForm):
    """A loyalty level: its name, from which total spent it counts, and its discount."""

    class Meta:
        model = Tier
        fields = ("name", "min_spent", "discount_percent")
        widgets = {
            "min_spent": forms.NumberInput(
                attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}
            )
        }
        help_texts = {"discount_percent": _("At most 90.")}

    def clean_discount_percent(self) -> int:
        percent = self.cleaned_data["discount_percent"]
        if percent > 90:
            raise forms.ValidationError(_("At most 90."))
        return percent


class CatalogCategoryForm(TranslatedFormMixin, forms.ModelForm):
    class Meta:
        model = CatalogCategory
        fields = ("name", "position")
        help_texts = {"position": _("Lower numbers come first.")}


class ChoicesField(StepsField):
    """A choice field's options, typed one a line."""

    def to_python(self, value: object) -> list[str]:
        from cabinet.custom_fields.services import choices_parse

        return choices_parse(str(value or ""))


class CustomFieldForm(forms.ModelForm):
    """A field the owner adds (issue 22, point 3): where, what type, who sees it."""

    choices = ChoicesField(label=_("Choices, one a line"), required=False,
                           help_text=_("For a choice field only."))  # fmt: skip

    class Meta:
        model = CustomField
        fields = ("target", "label", "key", "kind", "choices", "access", "required", "help_text",
                  "position", "active")  # fmt: skip
        help_texts = {"key": _("Its name in the API and exports; made from the label if empty.")}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from cabinet.custom_fields.services import targets

        self.fields["key"].required = False
        available = {key for key, target in targets().items() if target.available()}
        self.fields["target"].choices = [
            (value, label) for value, label in self.fields["target"].choices if value in available
        ]
        if self.instance.pk:  # values are stored under the key and the type: both stay
            for name in ("target", "key", "kind"):
                self.fields[name].disabled = True

    def _post_clean(self) -> None:
        super()._post_clean()
        from cabinet.custom_fields.services import definition_clean

        try:
            definition_clean(self.instance)
        except ValidationError as exc:
            self.add_error(None, exc)
