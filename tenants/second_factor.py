from django.contrib.auth.base_user import AbstractBaseUser


def has_second_factor(user: AbstractBaseUser) -> bool:
    """Whether the person set up TOTP or a security key (django-allauth's mfa)."""
    from allauth.mfa.adapter import get_adapter

    return get_adapter().is_mfa_enabled(user)
