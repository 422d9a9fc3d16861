from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant
from tenants.slugs import SLUG_MAX, normalize_slug
from tenants.verticals import vertical_choices


def slug_problem(raw: str) -> str | None:
    """Why this address cannot be had, in the active language; None when it is free."""
    try:
        slug = normalize_slug(raw)
    except ValidationError as exc:
        return exc.messages[0]
    if Tenant.objects.filter(slug__iexact=slug).exists():
        return str(_("This address is already taken."))
    return None


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))
    )  # fmt: skip
    return [(name, name.replace("_", " ")) for name in names] + [("UTC", "UTC")]


class SignupForm(forms.Form):
    business_name = forms.CharField(
        label=_("Business name"),
        max_length=120,
        help_text=_("As your clients know it, e.g. “Sunrise Hotel”."),
    )
    slug = forms.CharField(
        label=_("Cabinet address"),
        max_length=SLUG_MAX + 20,  # longer input gets our own message, not a truncation
        help_text=_("Latin letters, digits and hyphens, e.g. sunrise-hotel."),
    )
    vertical = forms.ChoiceField(label=_("Kind of business"), choices=vertical_choices)
    # optional, as on a client's signup: without it the back office greets the owner by the
    # first part of their email address
    owner_name = forms.CharField(
        label=_("Your name"), max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )  # fmt: skip
    owner_email = forms.EmailField(label=_("Your email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; a long passphrase is best."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE,
        required=False,
    )  # fmt: skip

    time_zone = forms.ChoiceField(
        label=_("Time zone"), required=False, initial="UTC",
        help_text=_("Where your business is: every time in the cabinet is shown in it."),
        widget=forms.Select(attrs={"data-browser-time-zone": "1"}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()

    def clean_time_zone(self) -> str:
        return self.cleaned_data.get("time_zone") or "UTC"

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or settings.LANGUAGE_CODE

    def clean_owner_name(self) -> str:
        name = "".join(ch for ch in self.cleaned_data.get("owner_name", "") if ord(ch) >= 32)
        return " ".join(name.split())

    def clean_business_name(self) -> str:
        name = " ".join(self.cleaned_data["business_name"].split())
        if not name or any(ord(ch) < 32 for ch in name):
            raise ValidationError(_("Enter the business's name."), code="invalid")
        return name

    def clean_slug(self) -> str:
        problem = slug_problem(self.cleaned_data["slug"])
        if problem:
            raise ValidationError(problem, code="slug")
        return normalize_slug(self.cleaned_data["slug"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        password, email = cleaned.get("password"), cleaned.get("owner_email")
        if password and email:
            owner = get_user_model()(email=email)
            try:
                password_validation.validate_password(password, owner)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
