"""django-allauth, adapted to a cabinet: per-tenant registration policy, branded emails, audited
lockouts, staff landing in the back office."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy

from billing import limits
from rbac.audit import audit_record
from rbac.models import SecurityPolicy, User
from rbac.policy import policy_get
from rbac.sms import PHONE_MAX_LENGTH, e164, phone_example
from tenants import signing
from tenants.client_address import client_ip
from tenants.tasks_base import enqueue_on_commit, task_named

LOCKOUT_AUDIT_SECONDS = 300
EMAIL_CONFIRMATION_PURPOSE = "rbac.email-confirmation"
LOGIN_CODE_MAIL = "account/email/login_code"


def _tenant_name() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "name", "") or "Kabinet"


def _on_tenant_host(request: HttpRequest | None) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and not tenant.is_public


def _phone_example_here() -> str:
    return phone_example(translation.get_language() or "en")


phone_example_here = lazy(_phone_example_here, str)  # read when the page is rendered


class PhoneField(forms.CharField):
    """A phone typed the way people type it ("8 (916) 123-45-67", "+44 20 …"), kept in E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Phone"))
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "widget",
            # a number reads left to right on an Arabic page too; the example is the reader's
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel",
                                   "dir": "ltr", "placeholder": phone_example_here()}),
        )  # fmt: skip
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return value
        number = e164(value)
        if number is None or len(number) > PHONE_MAX_LENGTH:
            raise ValidationError(
                gettext("Enter a valid phone number with its country code, e.g. +7 916 123-45-67."),
                code="invalid_phone",
            )
        return number


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Platform admins are made with a command, never by signing up.
        if not _on_tenant_host(request):
            return False
        if policy_get().registration != SecurityPolicy.Registration.OPEN:
            return False
        clients = User.objects.filter(is_staff=False, is_active=True).count()
        return limits.check("clients", current=clients).allowed

    def get_from_email(self) -> str:
        from django.conf import settings

        return f"{_tenant_name()} <{settings.DEFAULT_FROM_EMAIL}>"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        from rbac.services import PHONE_ONLY_DOMAIN

        if template_prefix == LOGIN_CODE_MAIL and email.endswith("@" + PHONE_ONLY_DOMAIN):
            # A phone-only client's stand-in address is nobody's: the sign-in code allauth asks
            # for after a password on a new browser goes to the verified phone instead.
            user = User.objects.filter(email=email, phone_verified=True).first()
            if user is not None:
                self.send_verification_code_sms(user, user.phone, context["code"])
            return
        # The email templates also get `branding` from the cabinet's context processor.
        super().send_mail(template_prefix, email, {**context, "cabinet_name": _tenant_name()})

    def is_login_by_code_required(self, login: Any) -> bool:
        """ASVS 6.3.3 (docs/security.md): a password is followed by a one-time code (by email,
        or SMS for a phone-only client) on a browser the person has not trusted, unless they
        have an authenticator app or a passkey, which allauth's two-factor stage asks for."""
        user = login.user
        if user is not None and is_mfa_enabled(
            user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ):
            return False
        return super().is_login_by_code_required(login)

    def format_email_subject(self, subject: str) -> str:
        return f"[{_tenant_name()}] {subject}"

    def generate_emailconfirmation_key(self, email: str) -> str:
        """A random key stored in this cabinet's table (ACCOUNT_EMAIL_CONFIRMATION_HMAC off:
        allauth's HMAC key signs the bare EmailAddress id, which repeats across cabinets), its
        last 16 characters an HMAC that names the cabinet."""
        return signing.token_mint(EMAIL_CONFIRMATION_PURPOSE)

    # --- Phones: a sign-in phone lives on the user, and counts once it is verified -----------

    def phone_form_field(self, **kwargs: Any) -> PhoneField:
        return PhoneField(**kwargs)

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.phone, user.phone_verified = phone, verified
        if user.pk is not None:  # at signup, the new user is saved afterwards
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: User) -> tuple[str, bool] | None:
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        self.set_phone(user, phone, True)
        audit_record(action="account.phone_verified", actor=user, target=user,
                     changes={"phone": "••• " + phone[-2:]})  # fmt: skip

    def get_user_by_phone(self, phone: str) -> User | None:
        number = e164(phone)
        if number is None:
            return None
        return User.objects.filter(phone=number, phone_verified=True, is_active=True).first()

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs: Any) -> None:
        send_sign_in_code = task_named("rbac.send_sign_in_code")

        with translation.override(user.language or translation.get_language()):
            text = gettext("%(code)s is your code for %(cabinet)s. Do not share it.") % {
                "code": code,
                "cabinet": _tenant_name(),
            }
        enqueue_on_commit(send_sign_in_code, phone, text)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            phone = str(credentials.get("phone") or "")[:64]
            login = str(
                credentials.get("email")
                or e164(phone)
                or phone
                or credentials.get("username")
                or ""
            )[:254]
            # One audit entry per lockout, not one per refused attempt.
            if cache.add(f"rbac:lockout-audited:{login.lower()}", 1, LOCKOUT_AUDIT_SECONDS):
                audit_record(
                    action="login.locked_out",
                    actor_label=login or "unknown",
                    reason="too many failed sign-ins",
                    request=request,
                )
            raise

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth keys the per-account count on the email (or username); a sign-in by phone
        # would share one empty key with every other phone in the cabinet. Key it on the number.
        if not credentials.get("email") and not credentials.get("username"):
            phone = str(credentials.get("phone") or "")[:64]
            if phone:
                credentials = {**credentials, "email": "phone:" + (e164(phone) or phone)}
        return super()._get_login_attempts_cache_key(request, **credentials)

    def get_client_ip(self, request: HttpRequest) -> str:
        # Rate limits, lockouts and the sessions list: the address behind our trusted proxies.
        return client_ip(request)

    def set_password(self, user: User, password: str) -> None:
        # A changed, reset or newly set password ends the person's API tokens too.
        from rbac.sign_in import api_tokens_revoke

        super().set_password(user, password)
        api_tokens_revoke(user=user, reason="password changed")

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if not _on_tenant_host(request):
            return "/control/"  # the platform host has no cabinet: its people are its admins
        if getattr(request.user, "is_staff", False):
            return "/staff/"
        return super().get_login_redirect_url(request)

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        return "/" if not _on_tenant_host(request) else super().get_logout_redirect_url(request)

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.language = getattr(request, "LANGUAGE_CODE", "") or ""
        user.full_name = getattr(form, "cleaned_data", {}).get("full_name", "") or user.full_name
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    """Second factors' secrets (TOTP keys, the recovery codes' seed) are kept sealed
    (`tenants.signing.seal`): a leaked database gives neither codes nor keys (ASVS 6.5.2)."""

    SEAL_PURPOSE = "mfa.secret"

    def get_totp_issuer(self) -> str:
        return _tenant_name()

    def encrypt(self, text: str) -> str:
        return signing.seal(self.SEAL_PURPOSE, text)

    def decrypt(self, encrypted_text: str) -> str:
        return signing.unseal(self.SEAL_PURPOSE, encrypted_text)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> User:
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = " ".join(str(name or "").replace("<", "").replace(">", "").split())[:150]
        user.language = getattr(request, "LANGUAGE_CODE", "") or ""
        return user

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # A provider is a way in, not a way around invitation-only or the plan's client limit.
        return AccountAdapter(request).is_open_for_signup(request)

    def get_requests_session(self) -> Any:
        # Discovery, token, userinfo and JWKS requests to a cabinet's issuer go through the
        # egress guard: an issuer names these endpoints, so they are checked like its address.
        from rbac.oauth import provider_session

        return provider_session()


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        """ "Sign out other sessions" ends the person's API tokens as well."""
        from rbac.sign_in import api_tokens_revoke

        sessions = list(sessions)
        super().end_sessions(sessions)
        users = {session.user for session in sessions}
        # The person asking, even when no other browser of theirs is signed in.
        request = allauth_context.request
        if request is not None and request.user.is_authenticated:
            users.add(request.user)
        for user in users:
            api_tokens_revoke(user=user, reason="signed out of other sessions", request=request)
