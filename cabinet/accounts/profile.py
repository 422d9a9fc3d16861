"""The client's own profile: their name, birthday, language, preferences and consent to news and
offers. Email and phone are not here: a new one is verified before it replaces the old one, by
allauth's flows (/accounts/email/, /accounts/phone/change/)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from rbac.audit import audit_record
from rbac.models import User

OLDEST_BIRTH_YEAR = 1900
PREFERENCES_MAX = 1000


def birth_date_check(value: dt.date | None) -> None:
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("A birthday cannot be in the future."), code="birth_date")
    if value.year < OLDEST_BIRTH_YEAR:
        raise ValidationError(
            _("Enter a birthday after %(year)d.") % {"year": OLDEST_BIRTH_YEAR}, code="birth_date"
        )


@transaction.atomic
def client_profile_update(
    *,
    user: User,
    full_name: str,
    language: str,
    birth_date: dt.date | None,
    preferences: str,
    marketing_consent: bool,
) -> ClientProfile:
    """Save the profile as the person filled it in; audited with the names of the fields that
    changed, not their values."""
    profile, _created = ClientProfile.objects.select_for_update().get_or_create(user=user)
    user_changed, profile_changed = [], []
    if full_name.strip() != user.full_name:
        name = full_name.strip()
        if not name or len(name) > User._meta.get_field("full_name").max_length:
            raise ValidationError(_("Enter your name, up to 150 characters."), code="full_name")
        user.full_name = name
        user_changed.append("full_name")
    if language != user.language:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError(_("Choose one of the offered languages."), code="language")
        user.language = language
        user_changed.append("language")
    if birth_date != profile.birth_date:
        birth_date_check(birth_date)
        profile.birth_date = birth_date
        profile_changed.append("birth_date")
    if preferences.strip() != profile.preferences:
        if len(preferences.strip()) > PREFERENCES_MAX:
            raise ValidationError(
                _("Preferences have at most %(n)d characters.") % {"n": PREFERENCES_MAX},
                code="preferences",
            )
        profile.preferences = preferences.strip()
        profile_changed.append("preferences")
    if marketing_consent != profile.marketing_consent:
        profile.marketing_consent = marketing_consent
        profile.marketing_consent_at = timezone.now() if marketing_consent else None
        profile_changed += ["marketing_consent", "marketing_consent_at"]
    if user_changed:
        user.save(update_fields=user_changed)
    if profile_changed:
        profile.save(update_fields=profile_changed)
    if user_changed or profile_changed:
        fields = user_changed + [f for f in profile_changed if f != "marketing_consent_at"]
        audit_record(action="client.profile_changed", actor=user, target=profile,
                     changes={"fields": fields})  # fmt: skip
        if "marketing_consent" in profile_changed:
            audit_record(action="client.marketing_consent_" + ("given" if marketing_consent
                         else "withdrawn"), actor=user, target=profile)  # fmt: skip
    return profile


def client_profile_values(user: User, profile: ClientProfile) -> dict[str, object]:
    """The editable fields as they are now (a form's initial data, a partial update's base)."""
    return {
        "full_name": user.full_name,
        "language": user.language,
        "birth_date": profile.birth_date,
        "preferences": profile.preferences,
        "marketing_consent": profile.marketing_consent,
    }
