from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string

from rbac.models import StaffInvitation


@shared_task(name="rbac.send_staff_invitation", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)  # fmt: skip
def send_staff_invitation(invitation_id: int, token: str) -> bool:
    """Email the invitation link; nothing to do once it was accepted or revoked."""
    invitation = (
        StaffInvitation.objects.select_related("invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    tenant = connection.tenant
    host = tenant.get_primary_domain().domain
    scheme = "https" if settings.SECURE_COOKIES else "http"
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    context = {
        "invitation": invitation,
        "cabinet_name": tenant.name,
        "link": f"{scheme}://{host}{port}/staff/join/{token}/",
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
