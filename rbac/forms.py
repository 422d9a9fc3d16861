"""django-allauth's forms, refusing what they would otherwise silently truncate: allauth cuts a
value to the column's length when it stores it, so an overlong email would become another one."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rbac.sign_in import login_attempts_exhausted

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit, and our column's


def _check_length(raw: object) -> None:
    if isinstance(raw, str) and len(raw) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            _("An email address has at most %(max)d characters.") % {"max": EMAIL_MAX_LENGTH},
            code="max_length",
        )


class LoginForm(allauth_forms.LoginForm):
    """One field for either way of naming yourself, labelled as such, filled by password
    managers as the account's username."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.label = _("Email or phone")
        field.validators.append(MaxLengthValidator(EMAIL_MAX_LENGTH))
        field.widget.attrs.update(
            {"autocomplete": "username", "placeholder": _("you@example.com"),
             "autocapitalize": "none", "spellcheck": "false", "maxlength": EMAIL_MAX_LENGTH}
        )  # fmt: skip


class SignupForm(allauth_forms.SignupForm):
    full_name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )  # fmt: skip
    field_order = ("full_name", "email", "phone", "password1")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if "phone" in self.fields:
            self.fields["phone"].label = _("Phone, for signing in by SMS (optional)")
            self.fields["phone"].help_text = _(
                "SMS codes can be intercepted or taken over with your number (a “SIM swap”); "
                "an authenticator app or a passkey, which you can add later, is safer."
            )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data.get("full_name", "").split())
        if any(ch in name for ch in "<>") or any(ord(ch) < 32 for ch in name):
            raise ValidationError(_("A name cannot contain < or > or control characters."))
        return name

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


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """django-allauth's, which with both email and phone optional accepts an empty form and then
    fails (a 500): one of the two is required."""

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise ValidationError(_("Enter your email address or your phone number."))
        # An account locked by failed sign-ins (wrong passwords, wrong codes) gets no new code:
        # the lockout holds at this door too. Asked of the typed name, so it reveals no account.
        named = {k: cleaned[k] for k in ("email", "phone") if cleaned.get(k)}
        if not self.errors and named and login_attempts_exhausted(allauth_context.request, **named):
            raise get_adapter().validation_error("too_many_login_attempts")
        return cleaned
