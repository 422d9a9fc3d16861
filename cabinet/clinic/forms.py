from django import forms
from django.utils.translation import gettext_lazy

from cabinet.catalog.models import CatalogItem
from cabinet.clinic.models import WEEKDAYS, Service, Specialist, VisitDocument, WorkingHours
from cabinet.content.forms import plain_text
from rbac.models import User


class ServiceForm(forms.ModelForm):
    """The content editor's form: which catalog item, how long, paid in advance or not."""

    class Meta:
        model = Service
        fields = ("item", "minutes", "prepay")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = CatalogItem.objects.filter(is_active=True)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("A note for the specialist (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_note(self) -> str:
        return plain_text(self.cleaned_data["note"])


class VisitForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("The client"),
        choices=[("done", gettext_lazy("came")), ("no_show", gettext_lazy("did not come"))],
    )
    summary = forms.CharField(
        label=gettext_lazy("Visit summary, for the client"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=VisitDocument.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    file = forms.FileField(
        label=gettext_lazy("File (PDF, JPEG or PNG, up to 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class HoursForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=WEEKDAYS, coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=WorkingHours.Kind.choices)
    starts = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"})
    )


class DayOffForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Day off"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"), max_length=120, required=False
    )


class SpecialistForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Member of staff"),
        queryset=User.objects.filter(is_staff=True, clinic_specialist__isnull=True),
    )
    title = forms.CharField(label=gettext_lazy("Speciality"), max_length=80)
    services = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Services"),
        required=False,
        queryset=Service.objects.select_related("item"),
        widget=forms.CheckboxSelectMultiple,
    )


class SpecialistEditForm(forms.ModelForm):
    class Meta:
        model = Specialist
        fields = ("title", "services", "is_active")
        widgets = {"services": forms.CheckboxSelectMultiple}
