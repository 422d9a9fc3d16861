from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from rbac.policy import policy_get
from tenants.second_factor import has_second_factor

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Signed-in staff only: others are sent to sign in; signed-in clients get a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied("staff only")
        if policy_get().require_staff_mfa and not has_second_factor(request.user):
            messages.info(request, _("This cabinet asks staff to set up two-factor sign-in."))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return view(request, *args, **kwargs)

    return wrapped


def owner_required(view: View) -> View:
    """The cabinet's owner only (its superuser): billing, team, domains, keys, webhooks, the
    audit log. Other staff get a 403."""

    @staff_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied("only the cabinet's owner may do this")
        return view(request, *args, **kwargs)

    return wrapped
