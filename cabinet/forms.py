from django import forms
from django.utils.translation import gettext_lazy as _

from cabinet.models import CatalogItem, Club, Event, InfoPage, Offer


class InfoPageForm(forms.ModelForm):
    class Meta:
        model = InfoPage
        fields = ("title", "kind", "body", "position", "is_published")
        help_texts = {
            "body": _("Plain text; blank lines start new paragraphs."),
            "position": _("Lower numbers come first."),
        }


class CatalogItemForm(forms.ModelForm):
    class Meta:
        model = CatalogItem
        fields = ("category", "name", "description", "price", "currency", "unit", "is_active")
        help_texts = {
            "price": _("0 means included for free; clients see “Free”."),
            "unit": _("How the price counts: per item, per night, per person …"),
        }
        widgets = {
            "price": forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"})
        }


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ("kind", "title", "description", "location", "starts_at", "ends_at", "capacity",
                  "price", "currency", "cutoff_minutes", "cancel_window_minutes",
                  "max_seats_per_booking")  # fmt: skip
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "price": forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
        }
        help_texts = {
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


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = ("title", "description", "club", "valid_until", "is_active")
        widgets = {
            "valid_until": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }
        help_texts = {"club": _("Leave empty to offer it to every client.")}


class ClubForm(forms.ModelForm):
    class Meta:
        model = Club
        fields = ("name", "description")
