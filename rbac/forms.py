"""django-allauth's forms, refusing what they would otherwise silently truncate: allauth cuts a
value to the column's length when it stores it, so an overlong email would become another one."""

from allauth.account import forms as allauth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit, and our column's


def _check_length(raw: object) -> None:
    if isinstance(raw, str) and len(raw) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An email address has at most %(max)d characters.") % {"max": EMAIL_MAX_LENGTH},
            code="max_length",
        )


class SignupForm(allauth_forms.SignupForm):
    def clean_email(self) -> str:
        _check_length(self.data.get("email"))
        return super().clean_email()


class AddEmailForm(allauth_forms.AddEmailForm):
    def clean_email(self) -> str:
        _check_length(self.data.get("email"))
        return super().clean_email()


class ChangeEmailForm(allauth_forms.ChangeEmailForm):
    def clean_email(self) -> str:
        _check_length(self.data.get("email"))
        return super().clean_email()
