"""The owner's API keys for the cabinet's integrations: make one with scopes (its text shown
this once), see when each was last used, revoke it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import owner_required
from cabinet.rendering import render_cabinet
from rbac.api_keys import api_key_create, api_key_revoke, scopes_here
from rbac.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (the system that will use it)"),
                           max_length=80)  # fmt: skip
    scopes = forms.MultipleChoiceField(label=gettext_lazy("It may"),
                                       widget=forms.CheckboxSelectMultiple)  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # the core's scopes and the cabinet's vertical's (its AppConfig's api_scopes)
        self.fields["scopes"].choices = list(scopes_here().items())


@require_http_methods(["GET", "POST"])
@owner_required
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    shown_once = None
    if request.method == "POST" and form.is_valid():
        try:
            key, shown_once = api_key_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiKeyForm()
            messages.success(request, _("Key “%s” is made. Copy it now: it is not shown again.")
                             % key.name)  # fmt: skip
    status = 400 if request.method == "POST" and shown_once is None else 200
    context = {"keys": ApiKey.objects.select_related("created_by"), "form": form,
               "shown_once": shown_once, "scopes": scopes_here()}  # fmt: skip
    response = render_cabinet(request, "staff/api_keys.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a key's only copy
    return response


@require_POST
@owner_required
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    key = ApiKey.objects.filter(pk=pk).first()
    if key is None:
        raise Http404
    api_key_revoke(key=key, by=request.user)
    messages.success(request, _("Key “%s” is revoked.") % key.name)
    return HttpResponseRedirect(reverse("staff:api-keys"))
