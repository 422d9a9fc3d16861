from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string

from rbac.models import StaffInvitation
from rbac.sms import SmsFailed, sms_to


@shared_task(name="rbac.send_staff_invitation", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)  # fmt: skip
def send_staff_invitation(invitation_id: int, token: str) -> bool:
    """Email the invitation link; nothing to do once it was accepted or revoked."""
    from tenants.services import tenant_link

    invitation = (
        StaffInvitation.objects.select_related("invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    tenant = connection.tenant
    context = {
        "invitation": invitation,
        "cabinet_name": tenant.name,
        "link": tenant_link(tenant, f"/staff/join/{token}/"),
    }
    message = EmailMultiAlternatives(
        subject=f"[{tenant.name}] {invitation.invited_by.get_full_name()} invites you to the staff",
        body=render_to_string("emails/staff_invitation.txt", context),
        from_email=f"{tenant.name} <{settings.DEFAULT_FROM_EMAIL}>",
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("emails/staff_invitation.html", context), "text/html"
    )
    message.send()
    return True


@shared_task(name="rbac.build_data_export", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3, acks_late=True)  # fmt: skip
def build_data_export(export_id: int) -> str:
    from rbac.account import data_export_build

    export = data_export_build(export_id=export_id)
    return export.status if export else "gone"


@shared_task(name="rbac.purge_due_accounts")
def purge_due_accounts() -> int:
    from rbac.account import accounts_purge_due

    return accounts_purge_due()


@shared_task(name="rbac.purge_due_accounts_everywhere", platform_level=True)
def purge_due_accounts_everywhere() -> int:
    """Hourly: every serving tenant whose night it is deletes its own due accounts."""
    from tenants.tasks_base import NIGHT_HOUR, send_to_each_tenant

    return send_to_each_tenant(purge_due_accounts, at_local_hour=NIGHT_HOUR)


@shared_task(name="rbac.prune_audit_log")
def prune_audit_log() -> int:
    from rbac.audit import audit_prune
    from rbac.policy import policy_get

    return audit_prune(retention_days=policy_get().audit_retention_days)


@shared_task(name="rbac.prune_audit_logs_everywhere", platform_level=True)
def prune_audit_logs_everywhere() -> int:
    """Hourly: each tenant (whatever its status) whose night it is prunes its own audit log by
    its owner's retention setting."""
    from tenants.tasks_base import NIGHT_HOUR, send_to_each_tenant

    return send_to_each_tenant(prune_audit_log, serving_only=False, at_local_hour=NIGHT_HOUR)


@shared_task(name="rbac.tell_owner_about_quota", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)  # fmt: skip
def tell_owner_about_quota(staff_id: int) -> int:
    """Email the cabinet's owners that a staff member hit their hourly read quota."""
    from rbac.models import User

    staff = User.objects.filter(pk=staff_id).first()
    owners = list(
        User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    )
    if staff is None or not owners:
        return 0
    tenant = connection.tenant
    EmailMultiAlternatives(
        subject=f"[{tenant.name}] {staff.get_full_name()} reached their hourly read limit",
        body=(
            f"{staff.get_full_name()} ({staff.email}) opened more client records this hour than "
            "their quota allows; further reads were refused until the hour ends.\n\n"
            "The audit log in the back office shows what they opened."
        ),
        from_email=f"{tenant.name} <{settings.DEFAULT_FROM_EMAIL}>",
        to=owners,
    ).send()
    return len(owners)


@shared_task(name="rbac.send_sign_in_code", autoretry_for=(SmsFailed,), retry_backoff=2,
             max_retries=3, acks_late=False, reject_on_worker_lost=False)  # fmt: skip
def send_sign_in_code(phone: str, text: str) -> str:
    """Text a one-time code (phone verification or sign-in) to `phone`; a code expires within
    minutes, so a few quick retries and no more. Not idempotent (each run is one more paid
    SMS): acknowledged on receipt, so a worker killed while sending does not send it again —
    the person asks for a new code."""
    return sms_to(phone, text)


@shared_task(name="rbac.send_client_invitation", autoretry_for=(OSError, SmsFailed),
             retry_backoff=True, max_retries=5)  # fmt: skip
def send_client_invitation(invitation_id: int, code: str) -> bool:
    """Email or text a client the front desk created their login and one-time code, in their
    language; nothing to do once the code was used, revoked or expired."""
    from urllib.parse import urlencode

    from django.utils import translation
    from django.utils.translation import gettext

    from rbac.models import ClientInvitation
    from tenants.services import tenant_link

    invitation = ClientInvitation.objects.select_related("user").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    tenant, user = connection.tenant, invitation.user
    login = user.email if invitation.channel == ClientInvitation.Channel.EMAIL else user.phone
    link = tenant_link(tenant, "/welcome/")
    if invitation.channel == ClientInvitation.Channel.EMAIL:  # the form arrives filled in
        link += "?" + urlencode({"login": login, "code": code})
    with translation.override(user.language or tenant.default_language or "en"):
        if invitation.channel == ClientInvitation.Channel.SMS:
            text = gettext(
                "%(cabinet)s: your cabinet is ready. Open %(link)s, sign in as %(login)s with "
                "the code %(code)s and choose a password."
            ) % {"cabinet": tenant.name, "link": link, "login": login, "code": code}
            sms_to(user.phone, text)
            return True
        context = {
            "user": user, "cabinet_name": tenant.name, "link": link, "login": login,
            "code": code, "expires_at": invitation.expires_at,
        }  # fmt: skip
        message = EmailMultiAlternatives(
            subject=f"[{tenant.name}] " + gettext("Your personal cabinet"),
            body=render_to_string("emails/client_invitation.txt", context),
            from_email=f"{tenant.name} <{settings.DEFAULT_FROM_EMAIL}>",
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("emails/client_invitation.html", context), "text/html"
        )
        message.send()
    return True
