"""The owner's sign-in providers (/staff/sign-in/): Google, GitLab or any OpenID Connect issuer
with the client id and secret the owner registered there; clients then see a button for each."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import owner_required
from cabinet.rendering import render_cabinet
from rbac.oauth import PRESETS, provider_add, provider_remove, providers_list


class ProviderForm(forms.Form):
    preset = forms.ChoiceField(
        label=gettext_lazy("Provider"),
        choices=[
            *((key, p.name) for key, p in PRESETS.items()),
            ("", gettext_lazy("Other (OpenID Connect)")),
        ],
        required=False,
    )
    name = forms.CharField(
        label=gettext_lazy("Button name"), max_length=40, required=False,
        help_text=gettext_lazy("Shown as “Continue with …”. Needed for “Other”."),
    )  # fmt: skip
    server_url = forms.CharField(
        label=gettext_lazy("Issuer address"), max_length=300, required=False,
        help_text=gettext_lazy("Only for “Other”, e.g. https://id.example.com/realms/main."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocapitalize": "none"}),
    )  # fmt: skip
    client_id = forms.CharField(label=gettext_lazy("Client ID"), max_length=191)
    secret = forms.CharField(
        label=gettext_lazy("Client secret"), max_length=191, strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip


def _page(request: HttpRequest, form: ProviderForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "providers": providers_list()}
    return render_cabinet(request, "staff/providers.html", context, status=status)


@require_http_methods(["GET", "POST"])
@owner_required
def provider_list(request: HttpRequest) -> HttpResponse:
    form = ProviderForm(request.POST or None)
    if request.method == "GET":
        return _page(request, form)
    if form.is_valid():
        try:
            app = provider_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(
                request, _("Clients can now sign in with %(name)s.") % {"name": app.name}
            )
            return HttpResponseRedirect(reverse("staff:providers"))
    return _page(request, form, status=400)


@require_POST
@owner_required
def provider_delete(request: HttpRequest, pk: int) -> HttpResponse:
    provider_remove(actor=request.user, pk=pk)
    messages.success(request, _("The provider was removed."))
    return HttpResponseRedirect(reverse("staff:providers"))
