from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from cabinet.content.forms import plain_text
from cabinet.shop.models import Address, ReturnRequest, Shipment


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ("label", "recipient", "line1", "line2", "city", "postcode", "country", "phone",
                  "is_default")  # fmt: skip

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                try:
                    data[name] = plain_text(value)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why do you return it?"), choices=ReturnRequest.Reason.choices
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything we should know"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def clean_comment(self) -> str:
        return plain_text(self.cleaned_data.get("comment", ""))


class ShipmentForm(forms.Form):
    status = forms.ChoiceField(choices=Shipment.Status.choices)
    carrier = forms.CharField(max_length=60, required=False)
    tracking_number = forms.RegexField(regex=r"^[0-9A-Za-z-]{4,40}$", required=False,
                                       max_length=40)  # fmt: skip

    def clean_carrier(self) -> str:
        return plain_text(self.cleaned_data.get("carrier", ""))


class DecisionForm(forms.Form):
    to = forms.ChoiceField(choices=ReturnRequest.Status.choices)
    note = forms.CharField(max_length=300, required=False)

    def clean_note(self) -> str:
        return plain_text(self.cleaned_data.get("note", ""))
