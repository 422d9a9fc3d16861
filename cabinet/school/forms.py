from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cabinet.content.forms import plain_text
from cabinet.content.translations import TranslatedFormMixin
from cabinet.school.models import WEEKDAYS, SchoolClass, Student


class PlainTextMixin:
    plain_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        for name in self.plain_fields:
            if isinstance(data.get(name), str):
                try:
                    data[name] = plain_text(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


class PairingForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Pairing code from the school"), max_length=20)


class ClassForm(PlainTextMixin, forms.Form):
    plain_fields = ("name", "subject", "room")
    name = forms.CharField(label=pgettext_lazy("a school's group of students", "Class"),
                           max_length=80)  # fmt: skip
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=80)
    teacher = forms.ModelChoiceField(
        label=gettext_lazy("Teacher"),
        required=False,
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
    )
    room = forms.CharField(label=gettext_lazy("Classroom"), max_length=40, required=False)


class ClassTextsForm(PlainTextMixin, TranslatedFormMixin, forms.ModelForm):
    """What parents read of a class (its name and subject), in every content language."""

    plain_fields = ("name", "subject", "room")

    class Meta:
        model = SchoolClass
        fields = ("name", "subject", "room")
        labels = {"name": pgettext_lazy("a school's group of students", "Class")}


class LessonForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=WEEKDAYS, coerce=int)
    starts = forms.TimeField(
        label=gettext_lazy("Starts"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=gettext_lazy("Ends"), widget=forms.TimeInput(attrs={"type": "time"})
    )


class StudentForm(PlainTextMixin, forms.Form):
    plain_fields = ("full_name",)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=120)
    birth_date = forms.DateField(
        label=gettext_lazy("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class EnrolForm(forms.Form):
    student = forms.ModelChoiceField(label=gettext_lazy("Student"), queryset=Student.objects.all())


class HomeworkForm(PlainTextMixin, forms.Form):
    plain_fields = ("title",)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("What to do"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(
        label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"})
    )


class GradeForm(PlainTextMixin, forms.Form):
    plain_fields = ("title", "comment")
    student = forms.ModelChoiceField(label=gettext_lazy("Student"), queryset=Student.objects.none())
    title = forms.CharField(label=gettext_lazy("For what"), max_length=120)
    value = forms.IntegerField(label=gettext_lazy("Grade (1–10)"), min_value=1, max_value=10)
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=300, required=False)

    def __init__(self, *args, school_class, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = school_class.students.all()


class ImportForm(forms.Form):
    """A student-information system's CSV: uploaded for a preview, then sent again (as text,
    from the preview) to import it."""

    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=[("classes", gettext_lazy("Classes")), ("students", gettext_lazy("Students"))],
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file (UTF-8, up to 1 MB)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )  # fmt: skip
    text = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1_000_000)

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > 1_000_000:
                self.add_error("file", _("At most 1 MB of CSV at a time."))
                return data
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("The CSV is not UTF-8 text: save it as “CSV UTF-8”."))
        elif not data.get("text"):
            self.add_error("file", _("Choose the CSV file."))
        return data
