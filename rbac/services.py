from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction

from rbac.models import HandoffUse, User
from tenants.handoff import Handoff, HandoffInvalid, handoff_read


@transaction.atomic
def client_create(
    *,
    email: str,
    password: str,
    full_name: str = "",
    language: str = "",
    email_verified: bool = False,
) -> User:
    """A client of the current tenant (the connection's schema), with their email address
    recorded for django-allauth (verified when we know it is theirs)."""
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, language=language
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


class HandoffRefused(Exception):
    """The hand-off link cannot sign anyone in: expired, reused, forged or for nobody here."""


def handoff_consume(*, token: str, schema_name: str) -> tuple[User, Handoff]:
    """Check a hand-off token and burn its nonce; the staff member it names, if any."""
    try:
        handoff = handoff_read(token, schema_name=schema_name)
    except HandoffInvalid as exc:
        raise HandoffRefused(str(exc)) from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandoffUse.objects.create(nonce=handoff.nonce)
        except IntegrityError as exc:
            raise HandoffRefused("this link was already used") from exc
        user = User.objects.filter(
            email__iexact=handoff.email, is_active=True, is_staff=True
        ).first()
        if user is None:
            raise HandoffRefused("no staff member with that email here")
    return user, handoff


def user_language_set(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
