"""The front desk: staff with the permission create a client (name, email and/or phone;
duplicates caught), then send them an invitation by email or SMS or print a one-page login slip
(the cabinet's address, the login, a one-time code and the page its vertical adds, e.g. the
Wi-Fi). The client redeems the code at /welcome/ (cabinet.accounts.welcome_views), through allauth's
sign-in flow."""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.accounts.models import ClientProfile
from cabinet.content.models import InfoPage
from cabinet.rendering import render_cabinet
from cabinet.staff import selectors
from cabinet.staff.assignment import new_client_route
from cabinet.staff.services import client_assign
from cabinet.verticals import current
from rbac.adapters import PhoneField
from rbac.models import ClientInvitation, User
from rbac.services import client_account_create, client_invitation_issue, has_real_email
from rbac.sms import phone_display
from tenants.services import tenant_link

PERMISSION = "cabinet.add_clientprofile"


def can_front_desk(user: User) -> bool:
    return user.is_superuser or user.has_perm(PERMISSION)


class ClientForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254, required=False)
    phone = PhoneField(required=False)
    language = forms.ChoiceField(label=gettext_lazy("Their language"), choices=settings.LANGUAGES)
    then = forms.ChoiceField(
        label=gettext_lazy("Then"),
        choices=[
            (ClientInvitation.Channel.SLIP, gettext_lazy("Print a login slip")),
            (ClientInvitation.Channel.EMAIL, gettext_lazy("Send the invitation by email")),
            (ClientInvitation.Channel.SMS, gettext_lazy("Send the invitation by SMS")),
        ],
        initial=ClientInvitation.Channel.SLIP,
    )

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if not self.errors and not data.get("email") and not data.get("phone"):
            raise ValidationError(_("Give an email, a phone, or both."))
        then = data.get("then")
        if then == ClientInvitation.Channel.EMAIL and not data.get("email"):
            self.add_error("email", _("An invitation by email needs the email."))
        if then == ClientInvitation.Channel.SMS and not data.get("phone"):
            self.add_error("phone", _("An invitation by SMS needs the phone."))
        return data


def client_duplicate(*, email: str, phone: str) -> bool:
    """Whether someone here already has this email, or this phone as their sign-in phone or as
    the contact phone staff keep on a profile."""
    from rbac.services import client_account_duplicate

    if client_account_duplicate(email=email, phone=phone) is not None:
        return True
    return (
        bool(phone)
        and ClientProfile.objects.filter(phone__in={phone, phone_display(phone)}).exists()
    )


@transaction.atomic
def client_create_at_desk(
    *, full_name: str, email: str, phone: str, language: str, by: User
) -> ClientProfile:
    """A client created by staff: their account (no password yet), their profile, assigned by the
    owner's rule for new clients — or, with no rule, to whoever created them, so the desk can
    reprint their slip."""
    if not can_front_desk(by):
        raise PermissionDenied("cannot create clients")
    if client_duplicate(email=email, phone=phone):
        raise ValidationError(
            _("A person with this email or phone already has an account here."), code="duplicate"
        )
    user = client_account_create(
        full_name=full_name, email=email, phone=phone, language=language, by=by
    )
    client = ClientProfile.objects.create(user=user, phone=phone_display(phone) if phone else "")
    if new_client_route(client=client) is None and not selectors.client_get_for(by, client.pk):
        client_assign(client=client, staff=by, by=None, rule=f"created at the desk by {by.email}")
    return client


@dataclass(frozen=True)
class Slip:
    cabinet_name: str
    address: str
    login: str
    code: str
    expires_at: datetime
    wifi: InfoPage | None
    client: ClientProfile
    language: str  # the guest's: the slip is for them, whatever the desk's language


def slip_for(request: HttpRequest, *, client: ClientProfile, code: str, expires: datetime) -> Slip:
    user = client.user
    tenant = request.tenant
    vertical = current()
    wifi = None  # the page the vertical prints on the slip (e.g. the Wi-Fi), if published
    if vertical and vertical.front_desk_pages:
        wifi = InfoPage.objects.filter(
            slug__in=vertical.front_desk_pages, is_published=True
        ).first()
    return Slip(
        cabinet_name=tenant.name,
        address=tenant_link(tenant, "/welcome/"),
        login=user.email if has_real_email(user) else user.phone_display,
        code=f"{code[:4]}-{code[4:]}",
        expires_at=expires,
        wifi=wifi,
        client=client,
        language=user.language or tenant.default_language or settings.LANGUAGE_CODE,
    )


def _invite(request: HttpRequest, client: ClientProfile, channel: str) -> HttpResponse:
    """Issue the invitation; a slip is this response (its code is shown once, never stored)."""
    try:
        invitation, code = client_invitation_issue(user=client.user, channel=channel,
                                                   by=request.user)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("staff:client", args=[client.pk]))
    if channel == ClientInvitation.Channel.SLIP:
        slip = slip_for(request, client=client, code=code, expires=invitation.expires_at)
        response = render_cabinet(request, "staff/login_slip.html", {"slip": slip})
        response["Cache-Control"] = "no-store"
        return response
    if channel == ClientInvitation.Channel.EMAIL:
        messages.success(request, _("The invitation is on its way by email."))
    else:
        messages.success(request, _("The invitation is on its way by SMS."))
    return HttpResponseRedirect(reverse("staff:client", args=[client.pk]))


@require_http_methods(["GET", "POST"])
@staff_required
def front_desk(request: HttpRequest) -> HttpResponse:
    if not can_front_desk(request.user):
        raise PermissionDenied("cannot create clients")
    form = ClientForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = client_create_at_desk(
                full_name=data["full_name"], email=data["email"], phone=data["phone"] or "",
                language=data["language"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%s is now a client.") % client.user.get_full_name())
            return _invite(request, client, data["then"])
    status = 400 if request.method == "POST" else 200
    return render_cabinet(request, "staff/front_desk.html", {"form": form}, status=status)


@require_POST
@staff_required
def client_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """From the client card: a new invitation (email, SMS) or a new slip; the old code stops."""
    if not can_front_desk(request.user):
        raise PermissionDenied("cannot invite clients")
    client = selectors.client_get_for(request.user, pk)
    if client is None:
        raise Http404
    channel = request.POST.get("channel", "")
    if channel not in ClientInvitation.Channel.values:
        messages.error(request, _("Choose how to send the invitation."))
        return HttpResponseRedirect(reverse("staff:client", args=[client.pk]))
    return _invite(request, client, channel)
