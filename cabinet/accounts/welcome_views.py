"""Where a client the front desk created comes in: their login and the one-time code from the
invitation or the printed slip, and a password of their choosing. The code is checked under
allauth's sign-in locks (the same failed-login rate limits and lockout audit as the sign-in
page), and the person is then signed in by allauth's own login flow — its stages, signals and
session tracking — never by `django.contrib.auth.login`."""

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import Login
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabinet.rendering import render_cabinet
from rbac.services import client_invitation_accept, client_invitation_match, has_real_email
from rbac.sms import e164


class WelcomeForm(forms.Form):
    login = forms.CharField(
        label=gettext_lazy("Email or phone"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"}),
    )  # fmt: skip
    code = forms.CharField(
        label=gettext_lazy("One-time code"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize":
                                      "characters", "spellcheck": "false"}),
    )  # fmt: skip
    password = forms.CharField(
        label=gettext_lazy("Choose a password"), strip=False, max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip


def _credentials(login: str) -> dict[str, str]:
    """What allauth's lock is keyed on, as its sign-in form would name it."""
    if "@" in login:
        return {"email": login.strip().lower()}
    return {"phone": e164(login) or login.strip()}


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    query = request.GET
    initial = {"login": query.get("login", "")[:254], "code": query.get("code", "")[:32]}
    form = WelcomeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            response, status = _redeem(request, form)
            if response is not None:
                return response
    return render_cabinet(request, "cabinet/welcome.html", {"form": form}, status=status)


def _redeem(request: HttpRequest, form: WelcomeForm) -> tuple[HttpResponse | None, int]:
    data = form.cleaned_data
    adapter = get_adapter(request)
    credentials = _credentials(data["login"])
    try:
        adapter.pre_authenticate(request, **credentials)  # allauth's failed-sign-in limits
    except ValidationError as exc:
        form.add_error(None, exc)
        return None, 429
    invitation = client_invitation_match(login=data["login"], code=data["code"])
    if invitation is None:
        adapter.authentication_failed(request, **credentials)
        form.add_error(
            "code",
            _("This login and code do not match an invitation, or it was used or has expired."),
        )
        return None, 400
    try:
        user = client_invitation_accept(invitation=invitation, password=data["password"])
    except ValidationError as exc:
        field = None if getattr(exc, "code", None) == "spent" else "password"
        form.add_error(field, exc)
        return None, 400
    record_authentication(request, user, method="code", **credentials)
    email = user.email if has_real_email(user) else None
    login = Login(user=user, email=email, redirect_url=reverse("cabinet:home"))
    return perform_login(request, login), 302
