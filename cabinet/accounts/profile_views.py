"""The client's profile page (/account/profile/): what they may change themselves. A new email
address or phone goes through allauth's flows, which verify it before it replaces the old one."""

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabinet.accounts.profile import (
    PREFERENCES_MAX,
    birth_date_check,
    client_profile_update,
    client_profile_values,
)
from cabinet.accounts.selectors import client_profile_of
from cabinet.custom_fields import services as custom_fields
from cabinet.rendering import render_cabinet


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    birth_date = forms.DateField(
        label=gettext_lazy("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("The cabinet's language")), *settings.LANGUAGES],
        required=False,
    )
    preferences = forms.CharField(
        label=gettext_lazy("Preferences"),
        required=False,
        max_length=PREFERENCES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "What we should know to serve you well: a feather-free pillow, no nuts, a quiet room."
        ),
    )
    marketing_consent = forms.BooleanField(
        label=gettext_lazy("Send me news and offers by email"),
        required=False,
        help_text=gettext_lazy("You can withdraw this at any time here."),
    )

    def clean_birth_date(self) -> object:
        value = self.cleaned_data.get("birth_date")
        birth_date_check(value)
        return value


def _ways_in(request: HttpRequest) -> dict[str, object]:
    return {
        "email": request.user.email,
        "pending_emails": [
            a.email
            for a in EmailAddress.objects.filter(user=request.user, verified=False)
            if a.email.lower() != request.user.email.lower()
        ],
    }


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_staff:
        return HttpResponseRedirect(reverse("account"))
    client = client_profile_of(user)
    # the owner's own fields on clients that the client fills in (issue 22, point 3)
    own_fields = custom_fields.fields_for("client", audience="client")
    extra_class = custom_fields.form_class(own_fields)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        extra = extra_class(request.POST, request.FILES)
        if form.is_valid() and extra.is_valid():
            try:
                with transaction.atomic():
                    client_profile_update(user=user, **form.cleaned_data)
                    custom_fields.values_save(
                        record=client, target="client", by=user, request=request,
                        values=custom_fields.form_values(own_fields, extra.cleaned_data),
                        files=custom_fields.form_files(own_fields, request.FILES),
                    )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # in the language just chosen, which the next page is shown in
                with translation.override(user.language or translation.get_language()):
                    messages.success(request, _("Your profile is saved."))
                return HttpResponseRedirect(reverse("account-profile"))
        status = 400
    else:
        form = ProfileForm(initial=client_profile_values(user, client))
        extra = extra_class(initial=custom_fields.form_initial(client, own_fields))
        status = 200
    files = custom_fields.shown_values(client, own_fields, audience="client")
    context = {"form": form, "extra": extra, "client": client, "files": files, **_ways_in(request)}
    return render_cabinet(request, "cabinet/profile.html", context, status=status)
