"""The SMS notification channel: messages go to the client's verified sign-in phone or, without
one, to the contact number staff keep on their profile. The transport is rbac.sms."""

from rbac.models import User
from rbac.sms import SMS_MAX_CHARS, SmsFailed, e164, provider, sms_to

__all__ = ["SMS_MAX_CHARS", "SmsFailed", "phone_of", "provider", "sms_send"]


def phone_of(user: User) -> str | None:
    if user.phone and user.phone_verified:
        return user.phone
    profile = getattr(user, "client_profile", None)
    return e164(profile.phone) if profile is not None and profile.phone else None


def sms_send(*, user: User, text: str) -> str:
    to = phone_of(user)
    if provider() is None or to is None:
        raise SmsFailed("SMS is not set up" if to is not None else "no valid phone number")
    return sms_to(to, text)
