from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy

from cabinet.catalog.models import CatalogItem
from cabinet.clinic.models import (
    WEEKDAYS,
    BookingRules,
    Service,
    Specialist,
    VisitDocument,
    WorkingHours,
)
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


class BookingRulesForm(forms.ModelForm):
    """The cabinet's booking windows, each said as the client meets it. The bounds are the
    model's validators (shown to the browser as min and max); one more check: the shortest
    notice must leave some time before the farthest day, or nothing could ever be booked."""

    class Meta:
        model = BookingRules
        fields = ("horizon_days", "notice_hours", "change_hours", "hold_minutes", "reminder_hours")
        labels = {
            "horizon_days": gettext_lazy("How far ahead clients can book, in days"),
            "notice_hours": gettext_lazy("Shortest notice for a booking, in hours"),
            "change_hours": gettext_lazy(
                "Clients can move or cancel until, hours before the visit"
            ),
            "hold_minutes": gettext_lazy("An unpaid booking keeps its time for, in minutes"),
            "reminder_hours": gettext_lazy("Reminder, hours before the visit"),
        }
        help_texts = {
            "horizon_days": gettext_lazy(
                "Clients see and book free times up to this many days from today. From 1 to 365."
            ),
            "notice_hours": gettext_lazy(
                "A time that starts sooner than this is not offered, so nobody turns up "
                "unannounced. 0: any free time later today. From 0 to 720."
            ),
            "change_hours": gettext_lazy(
                "Until then clients move or cancel a visit themselves (a prepaid visit is "
                "refunded); later they call or write to you. Staff can always do it. "
                "From 0 to 720."
            ),
            "hold_minutes": gettext_lazy(
                "For services paid in advance: the time is kept this long while the client "
                "pays, then offered to others again. From 5 to 240."
            ),
            "reminder_hours": gettext_lazy(
                "Clients get a reminder of their visit this many hours before it. From 1 to 168."
            ),
        }
        error_messages = {
            name: {
                "min_value": gettext_lazy("The least allowed here is %(limit_value)s."),
                "max_value": gettext_lazy("The most allowed here is %(limit_value)s."),
                "invalid": gettext_lazy("Enter a whole number."),
                "required": gettext_lazy("Enter a number."),
            }
            for name in (
                "horizon_days",
                "notice_hours",
                "change_hours",
                "hold_minutes",
                "reminder_hours",
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            attrs["inputmode"] = "numeric"
            for validator in BookingRules._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    attrs["max"] = validator.limit_value

    def clean(self) -> dict:
        data = super().clean()
        days, hours = data.get("horizon_days"), data.get("notice_hours")
        if days is not None and hours is not None and hours >= days * 24:
            self.add_error(
                "notice_hours",
                forms.ValidationError(
                    gettext_lazy(
                        "With %(hours)s hours' notice and at most %(days)s days ahead, clients "
                        "could never book: make the notice shorter or the days more."
                    ),
                    code="window",
                    params={"hours": hours, "days": days},
                ),
            )
        return data
