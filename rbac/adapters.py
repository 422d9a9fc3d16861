"""django-allauth, adapted to a cabinet: per-tenant registration policy, branded emails, audited
lockouts, staff landing in the back office."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest

from billing import limits
from rbac.audit import audit_record
from rbac.models import SecurityPolicy, User
from rbac.policy import policy_get

LOCKOUT_AUDIT_SECONDS = 300


def _tenant_name() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "name", "") or "Kabinet"


def _on_tenant_host(request: HttpRequest | None) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and not tenant.is_public


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
        # The email templates also get `branding` from the cabinet's context processor.
        super().send_mail(template_prefix, email, {**context, "cabinet_name": _tenant_name()})

    def format_email_subject(self, subject: str) -> str:
        return f"[{_tenant_name()}] {subject}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = str(credentials.get("email") or credentials.get("username") or "")[:254]
            # One audit entry per lockout, not one per refused attempt.
            if cache.add(f"rbac:lockout-audited:{login.lower()}", 1, LOCKOUT_AUDIT_SECONDS):
                audit_record(
                    action="login.locked_out",
                    actor_label=login or "unknown",
                    reason="too many failed sign-ins",
                    request=request,
                )
            raise

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if getattr(request.user, "is_staff", False) and _on_tenant_host(request):
            return "/staff/"
        return super().get_login_redirect_url(request)

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.language = getattr(request, "LANGUAGE_CODE", "") or ""
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return _tenant_name()
