from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import (
    authentication_step_completed,
    login_code_rejected,
    password_changed,
    password_reset,
    password_set,
    user_logged_in,
)
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib import messages
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext

from rbac.audit import audit_record
from rbac.middleware import idle_unlock, session_started
from rbac.models import SecurityPolicy, User
from rbac.policy import policy_forget
from rbac.roles import roles_ensure
from rbac.sessions import (
    cabinet_sessions_end,
    password_sessions_end,
    session_key_renew,
    sessions_offer,
)
from rbac.sign_in import account_failure_record
from tenants.models import Tenant
from tenants.services import OwnerSpec
from tenants.signals import tenant_provisioned, tenant_sign_out_everyone, tenant_status_changed


@receiver(tenant_provisioned)
def create_owner(sender: type[Tenant], tenant: Tenant, owner: OwnerSpec, **kwargs: Any) -> None:
    """The business owner's account, in the new tenant's schema (we are inside it)."""
    user = User.objects.create_superuser(
        email=owner.email,
        password=owner.password,
        full_name=owner.full_name,
        language=tenant.default_language,
    )
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=owner.email_verified
    )
    roles_ensure()
    audit_record(action="tenant.created", actor=user, target=user)


@receiver(tenant_status_changed)
def audit_status_change(
    sender: type[Tenant],
    tenant: Tenant,
    from_status: str,
    to_status: str,
    actor_label: str,
    reason: str,
    **kwargs: Any,
) -> None:
    audit_record(
        action="tenant.status_changed",
        actor_label=f"platform: {actor_label}",
        changes={"status": [from_status, to_status]},
        reason=reason,
    )


@receiver(tenant_sign_out_everyone)
def end_every_session(
    sender: type[Tenant], tenant: Tenant, actor_label: str, reason: str, **kwargs: Any
) -> int:
    """A platform admin signs everyone out of this cabinet (we are inside its schema)."""
    return cabinet_sessions_end(actor_label=f"platform: {actor_label}", reason=reason)


@receiver(authentication_step_completed)
def unlock_idle_session(sender: type, request: HttpRequest, **kwargs: Any) -> None:
    idle_unlock(request)
    if kwargs.get("reauthenticated") and request.user.is_authenticated:
        # Proving who one is again (the idle lock's password, a code, a second factor) gets a
        # new session key, as signing in does (ASVS 7.2.4): a key seen before is worth nothing.
        session_key_renew(request)


@receiver(user_logged_in)
def audit_login(sender: type, request: HttpRequest, user: User, **kwargs: Any) -> None:
    idle_unlock(request)
    session_started(request)
    audit_record(action="login", actor=user, request=request)


@receiver(authenticator_added)
def audit_second_factor_added(
    sender: type, request: HttpRequest, authenticator: Any, **kw: Any
) -> None:
    audit_record(action="mfa.added", changes={"type": authenticator.type}, request=request)
    sessions_offer(request, reason="second_factor")


@receiver(authenticator_removed)
def audit_second_factor_removed(
    sender: type, request: HttpRequest, authenticator: Any, **kw: Any
) -> None:
    audit_record(action="mfa.removed", changes={"type": authenticator.type}, request=request)
    sessions_offer(request, reason="second_factor")


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def end_other_sessions_on_a_new_password(
    sender: type, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """A new password signs out every other browser of the person (and set_password ended their
    API tokens): the page says so (ASVS 7.4.3)."""
    reset = kwargs.get("signal") is password_reset
    reason = "password reset" if reset else "password changed"
    password_sessions_end(user=user, request=request, reason=reason)
    messages.info(request, gettext("Your other sessions are signed out and your API tokens ended."))


@receiver(post_save, sender=SecurityPolicy)
def forget_cached_policy(**kwargs: Any) -> None:
    transaction.on_commit(policy_forget)
    policy_forget()


def roles_refresh(sender: Any, **kwargs: Any) -> None:
    """post_migrate: bring the built-in role groups of this tenant schema up to date."""
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    if getattr(sender, "label", "") != "cabinet":
        return
    if connection.schema_name == get_public_schema_name():
        return
    roles_ensure()


@receiver(login_code_rejected)
def count_rejected_login_code(
    sender: type, request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """A wrong sign-in code is a failed sign-in: it counts towards the account's lockout."""
    account_failure_record(request=request, user=user)
