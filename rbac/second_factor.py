"""Second factors outside django-allauth's own pages (the API's token door), checked the way
allauth's two-factor stage checks them, and the owner's "staff must use two-factor" rule."""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from django.http import HttpRequest

from rbac.models import User
from rbac.policy import policy_get
from tenants.second_factor import has_second_factor


class SecondFactorLocked(Exception):
    """Too many wrong codes for this account lately: allauth's lockout, shared with the page."""


def second_factor_code_valid(request: HttpRequest, user: User, code: str | None) -> bool:
    """An authenticator-app or recovery code, through allauth's own form: each wrong code counts
    against the account's two-factor limit (the same count the sign-in page's second step
    keeps), and once that is spent even a right code is refused until it lapses."""
    with context.request_context(request):
        form = AuthenticateForm(data={"code": (code or "").strip()}, user=user)
        if form.is_valid():
            form.authenticator.record_usage()
            return True
    codes = {error.code for error in form.errors.as_data().get("code", [])}
    if "too_many_login_attempts" in codes:
        raise SecondFactorLocked
    return False


def staff_second_factor_missing(user: User) -> bool:
    """A staff member without a second factor in a cabinet whose owner requires one: such a
    person may set one up, and nothing else, on every door (pages, session, token, API key)."""
    return bool(
        getattr(user, "is_staff", False)
        and policy_get().require_staff_mfa
        and not has_second_factor(user)
    )
