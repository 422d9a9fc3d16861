import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabinet.access import clients_for
from cabinet.catalog.models import CatalogItem
from cabinet.content.forms import PICTURE_HELP, PictureFormMixin, picture_input, plain_text
from cabinet.content.translations import TranslatedFormMixin
from cabinet.hotel.models import MapPoint, Room, Stay


class CheckInForm(forms.Form):
    guest_name = forms.CharField(label=gettext_lazy("Full name as in the document"), max_length=150)
    birth_date = forms.DateField(
        label=gettext_lazy("Birth date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    citizenship = forms.CharField(label=gettext_lazy("Citizenship"), max_length=60)
    document_number = forms.CharField(
        label=gettext_lazy("Passport or ID number"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё -]{2,39}$",
                gettext_lazy("Letters and digits as in the document, 3 to 40 of them."),
            )
        ],
    )
    document = forms.FileField(
        label=gettext_lazy("Photo or scan of the document (JPEG, PNG or PDF, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    arrival_time = forms.TimeField(
        label=gettext_lazy("When will you arrive?"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def clean_guest_name(self) -> str:
        return plain_text(self.cleaned_data["guest_name"])

    def clean_citizenship(self) -> str:
        return plain_text(self.cleaned_data["citizenship"])

    def clean_birth_date(self) -> datetime.date:
        born = self.cleaned_data["birth_date"]
        if not datetime.date(1900, 1, 1) <= born < timezone.localdate():
            raise ValidationError(_("Enter the birth date as in the document."))
        return born


class StayForm(forms.Form):
    """Staff book a stay for one of the clients they may see, found by email."""

    email = forms.EmailField(label=gettext_lazy("Guest's email"), max_length=254)
    arrival = forms.DateField(
        label=gettext_lazy("Arrival"), widget=forms.DateInput(attrs={"type": "date"})
    )
    departure = forms.DateField(
        label=gettext_lazy("Departure"), widget=forms.DateInput(attrs={"type": "date"})
    )
    adults = forms.IntegerField(label=gettext_lazy("Adults"), min_value=1, max_value=12, initial=2)
    children = forms.IntegerField(
        label=gettext_lazy("Children"), min_value=0, max_value=12, initial=0
    )
    room_type = forms.CharField(label=gettext_lazy("Room type"), max_length=80, required=False)
    included = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Included in the rate"),
        queryset=CatalogItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, staff, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["included"].queryset = CatalogItem.objects.filter(is_active=True)

    def clean_email(self):
        email = self.cleaned_data["email"]
        client = clients_for(self.staff).filter(user__email__iexact=email).first()
        if client is None:
            raise ValidationError(_("None of the clients you can see has this email."))
        self.client = client
        return email

    def clean_room_type(self) -> str:
        return plain_text(self.cleaned_data.get("room_type", ""))

    def clean(self):
        data = super().clean()
        arrival, departure = data.get("arrival"), data.get("departure")
        if arrival and departure and departure <= arrival:
            self.add_error("departure", _("Departure comes after arrival."))
        return data


class RoomChoiceForm(forms.Form):
    room = forms.ModelChoiceField(
        label=gettext_lazy("Room"), queryset=Room.objects.all(), required=False
    )


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Stay.Status.choices)


class MapPointForm(TranslatedFormMixin, forms.ModelForm):
    class Meta:
        model = MapPoint
        fields = ("name", "kind", "description", "x", "y", "position")
        help_texts = {
            "x": gettext_lazy("0 is the map's left edge, 100 its right edge."),
            "y": gettext_lazy("0 is the map's top edge, 100 its bottom edge."),
        }

    def clean_name(self) -> str:
        return plain_text(self.cleaned_data["name"])

    def clean_description(self) -> str:
        return plain_text(self.cleaned_data.get("description", ""))


class RoomForm(TranslatedFormMixin, PictureFormMixin, forms.ModelForm):
    class Meta:
        model = Room
        fields = ("number", "kind", "image")
        help_texts = {
            "kind": gettext_lazy("Guests booked into this type see the room's picture."),
            "image": PICTURE_HELP,
        }
        widgets = {"image": picture_input()}

    def clean_number(self) -> str:
        return plain_text(self.cleaned_data["number"])

    def clean_kind(self) -> str:
        return plain_text(self.cleaned_data.get("kind", ""))
