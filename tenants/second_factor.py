from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


def has_second_factor(user: AbstractBaseUser) -> bool:
    """Whether the person set up TOTP or a security key (django-allauth's mfa)."""
    from allauth.mfa.adapter import get_adapter

    return get_adapter().is_mfa_enabled(user)


def is_platform_admin(request: HttpRequest) -> bool:
    """A platform admin, signed in on the platform's host with a second factor."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    return bool(
        tenant is not None and tenant.is_public
        and user is not None and user.is_authenticated and user.is_staff
        and has_second_factor(user)
    )  # fmt: skip
