"""The owner's team and security settings: invite staff (a link that works once and expires),
revoke invitations, set the cabinet's registration, idle timeout and two-factor rules."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import owner_required
from cabinet.rendering import render_cabinet
from rbac.audit import audit_record
from rbac.models import SecurityPolicy, StaffProfile
from rbac.policy import policy_get
from rbac.roles import custom_role_save, custom_roles, permission_catalog
from rbac.selectors import invitation_get, pending_invitations, staff_members
from rbac.services import (
    InvitationRefused,
    invitation_accept,
    invitation_for,
    invitation_revoke,
    policy_update,
    staff_invite,
    staff_role_update,
)
from tenants.forms import time_zone_choices
from tenants.services import tenant_time_zone_set


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    role = forms.ChoiceField(choices=StaffProfile.Role.choices, required=False)

    def clean_role(self) -> str:
        return self.cleaned_data.get("role") or StaffProfile.Role.OPERATOR


class JoinForm(forms.Form):
    full_name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )  # fmt: skip
    password = forms.CharField(
        label=gettext_lazy("Choose a password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PolicyForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy("Every time in the cabinet and its messages is shown in it."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["points_expire_months"].required = False  # left out: unchanged

    def clean_points_expire_months(self) -> int:
        value = self.cleaned_data.get("points_expire_months")
        return self.instance.points_expire_months if value is None else value

    class Meta:
        model = SecurityPolicy
        fields = (
            "registration", "idle_timeout_minutes", "require_staff_mfa", "inactive_client_days",
            "audit_retention_days", "kpi_leaderboard", "booking_reminder_hours",
            "points_expire_months", "community_enabled", "community_direct_messages",
        )  # fmt: skip
        help_texts = {
            "booking_reminder_hours": gettext_lazy(
                "18 reminds an 11:00 excursion at 17:00 the evening before; 0 sends no reminder."
            ),
            "idle_timeout_minutes": gettext_lazy(
                "After this many idle minutes a person types their password again (2–1440)."
            ),
        }


@require_GET
@owner_required
def team(request: HttpRequest) -> HttpResponse:
    context = {
        "staff": staff_members().select_related("staff_profile"),
        "roles": [c for c in StaffProfile.Role.choices if c[0] != StaffProfile.Role.CUSTOM],
        "custom_roles": custom_roles(),
        "invitations": pending_invitations()[:50],
        "form": InviteForm(),
    }
    return render_cabinet(request, "staff/team.html", context)


@require_POST
@owner_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            staff_invite(invited_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Invitation sent to %s.") % form.cleaned_data["email"])
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return HttpResponseRedirect(reverse("staff:team"))


@require_POST
@owner_required
def invitation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = invitation_get(pk=pk)
    if invitation is None:
        raise Http404
    invitation_revoke(invitation=invitation, actor=request.user)
    return HttpResponseRedirect(reverse("staff:team"))


@require_http_methods(["GET", "POST"])
@owner_required
def security(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = PolicyForm(request.POST or None, instance=policy_get(),
                      initial={"time_zone": tenant.time_zone})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        zone = form.cleaned_data.pop("time_zone") or tenant.time_zone
        fields = {f: form.cleaned_data[f] for f in form.fields if f != "time_zone"}
        policy_update(actor=request.user, **fields)
        if zone != tenant.time_zone:
            audit_record(action="tenant.time_zone_changed", actor=request.user,
                         changes={"time_zone": [tenant.time_zone, zone]})  # fmt: skip
            tenant_time_zone_set(tenant=tenant, time_zone=zone)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("staff:security"))
    return security_page(request, form=form, status=400 if request.method == "POST" else 200)


def security_page(
    request: HttpRequest, *, form: PolicyForm | None = None, status: int = 200, **extra: object
) -> HttpResponse:
    """The security page: the policy form, and signing everyone out (cabinet.staff.sessions)."""
    if form is None:
        form = PolicyForm(instance=policy_get(), initial={"time_zone": request.tenant.time_zone})
    return render_cabinet(request, "staff/security.html", {"form": form, **extra}, status=status)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation link lands: the invited person chooses a password and is in."""
    try:
        invitation = invitation_for(token)
    except InvitationRefused:
        return render_cabinet(request, "staff/join_refused.html", status=400)
    form = JoinForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(token=token, **form.cleaned_data)
        except InvitationRefused:
            return render_cabinet(request, "staff/join_refused.html", status=400)
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(reverse("staff:home"))
    status = 400 if request.method == "POST" else 200
    return render_cabinet(
        request, "staff/join.html", {"form": form, "invitation": invitation}, status=status
    )


@require_POST
@owner_required
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner sets a staff member's role and hourly read quota."""
    member = staff_members().filter(pk=pk, is_superuser=False).first()
    if member is None:
        raise Http404
    role = request.POST.get("role", "")
    custom = None
    if role.startswith("custom:"):
        custom = next(
            (g for g in custom_roles() if str(g.pk) == role.removeprefix("custom:")), None
        )
        role = StaffProfile.Role.CUSTOM if custom else ""
    try:
        quota = int(request.POST.get("read_quota_per_hour", "200"))
    except ValueError:
        quota = -1
    if role not in StaffProfile.Role.values or not 1 <= quota <= 100_000:
        messages.error(request, _("Choose a role and a quota between 1 and 100000."))
        return HttpResponseRedirect(reverse("staff:team"))
    staff_role_update(
        member=member, role=role, read_quota_per_hour=quota, by=request.user, custom=custom
    )
    messages.success(request, _("Saved."))
    return HttpResponseRedirect(reverse("staff:team"))


@require_http_methods(["GET", "POST"])
@owner_required
def roles(request: HttpRequest) -> HttpResponse:
    """The owner composes roles from abilities."""
    if request.method == "POST":
        abilities = request.POST.getlist("abilities")
        try:
            group = custom_role_save(name=request.POST.get("name", ""), abilities=abilities)
        except ValueError:
            messages.error(request, _("Give the role a name and choose what it may do."))
        else:
            audit_record(action="role.saved", request=request,
                         changes={"role": group.name, "abilities": abilities})  # fmt: skip
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("staff:roles"))
    catalog = permission_catalog()
    rows = []
    for group in custom_roles():
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        abilities = [a for a, perms in catalog.items() if set(perms) <= granted]
        rows.append((group, group.name.removeprefix("custom:"), abilities))
    return render_cabinet(request, "staff/roles.html", {"rows": rows, "abilities": list(catalog)})
