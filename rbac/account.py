"""A person's own account: their data as an export, and deleting the account after a grace
period (cancellable until then)."""

import json
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rbac.audit import audit_record
from rbac.documents import Section, pdf_document
from rbac.models import AuditEntry, DataExport, User
from rbac.signals import PersonalDataSection, personal_data_requested
from tenants.tasks_base import enqueue_on_commit

DELETION_GRACE_DAYS = 14
EXPORT_COOLDOWN = timedelta(minutes=10)


# --- Data export ------------------------------------------------------------------------------


def data_export_request(*, user: User) -> DataExport:
    """Queue an export; the last one is returned again if it is recent or still being built."""
    recent = DataExport.objects.filter(user=user).first()
    if recent is not None and (
        recent.status in (DataExport.Status.QUEUED, DataExport.Status.RUNNING)
        or timezone.now() - recent.created_at < EXPORT_COOLDOWN
    ):
        return recent
    with transaction.atomic():
        export = DataExport.objects.create(user=user)
        audit_record(action="account.export_requested", actor=user, target=export)
        from rbac.tasks import build_data_export

        enqueue_on_commit(build_data_export, export.pk)
    return export


def _profile_section(user: User) -> PersonalDataSection:
    return PersonalDataSection(
        title="Profile",
        records=[
            {
                "email": user.email,
                "name": user.full_name,
                "language": user.language,
                "joined": user.date_joined.isoformat(),
                "last sign-in": user.last_login.isoformat() if user.last_login else "",
            }
        ],
    )


def _sign_in_section(user: User) -> PersonalDataSection:
    records = [
        {"email address": a.email, "verified": str(a.verified), "primary": str(a.primary)}
        for a in EmailAddress.objects.filter(user=user)
    ]
    records += [
        {"second factor": a.type, "added": a.created_at.isoformat()}
        for a in Authenticator.objects.filter(user=user)
    ]
    records += [
        {
            "session from": s.ip or "",
            "device": s.user_agent[:120],
            "last seen": s.last_seen_at.isoformat(),
        }
        for s in UserSession.objects.filter(user=user)
    ]
    return PersonalDataSection(title="Ways in and sessions", records=records)


def _activity_section(user: User) -> PersonalDataSection:
    entries = AuditEntry.objects.filter(actor=user).order_by("-at")[:500]
    return PersonalDataSection(
        title="Activity recorded for you",
        records=[{"when": e.at.isoformat(), "what": e.action} for e in entries],
    )


def _progress(export: DataExport, value: int) -> None:
    DataExport.objects.filter(pk=export.pk).update(progress=value)


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the files (idempotent: a finished export is left as it is)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status == DataExport.Status.READY:
        return export
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING, progress=5)
    user = export.user
    sections = [_profile_section(user), _sign_in_section(user)]
    _progress(export, 30)
    for _receiver, answer in personal_data_requested.send(sender=User, user=user):
        sections.extend(answer or [])
    _progress(export, 60)
    sections.append(_activity_section(user))
    tenant_name = getattr(connection.tenant, "name", "Kabinet")
    made_at = timezone.now()
    payload = {
        "cabinet": tenant_name,
        "made_at": made_at.isoformat(),
        "sections": [{"title": s.title, "records": s.records} for s in sections],
    }
    pdf = pdf_document(
        title=f"{tenant_name}: your data",
        subtitle=f"{user.email} · {made_at:%Y-%m-%d %H:%M} UTC",
        sections=[
            Section(
                title=s.title,
                rows=[(k, v) for record in s.records for k, v in record.items()],
                note="" if s.records else "Nothing recorded.",
            )
            for s in sections
        ],
    )
    _progress(export, 90)
    stem = f"{user.pk}-{made_at:%Y%m%d%H%M%S}"
    export.json_file.save(
        f"{stem}.json", ContentFile(json.dumps(payload, indent=2).encode()), save=False
    )
    export.pdf_file.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    export.status, export.progress, export.finished_at = (
        DataExport.Status.READY,
        100,
        timezone.now(),
    )
    export.save(update_fields=["json_file", "pdf_file", "status", "progress", "finished_at"])
    return export


# --- Deletion ---------------------------------------------------------------------------------


@transaction.atomic
def account_deletion_schedule(*, user: User, password: str) -> User:
    if not user.check_password(password):
        raise ValidationError(_("That is not your password."), code="password")
    if user.is_superuser:
        raise ValidationError(
            _("The owner's account closes with the cabinet itself."), code="owner"
        )
    user.deletion_scheduled_for = timezone.now() + timedelta(days=DELETION_GRACE_DAYS)
    user.save(update_fields=["deletion_scheduled_for"])
    audit_record(action="account.deletion_scheduled", actor=user, target=user,
                 changes={"on": user.deletion_scheduled_for.isoformat()})  # fmt: skip
    return user


@transaction.atomic
def account_deletion_cancel(*, user: User) -> User:
    user.deletion_scheduled_for = None
    user.save(update_fields=["deletion_scheduled_for"])
    audit_record(action="account.deletion_cancelled", actor=user, target=user)
    return user


@transaction.atomic
def account_phone_remove(*, user: User) -> User:
    """The phone is no longer a way in (nor where SMS notifications go)."""
    if not user.phone:
        return user
    user.phone, user.phone_verified = "", False
    user.save(update_fields=["phone", "phone_verified"])
    audit_record(action="account.phone_removed", actor=user, target=user)
    return user


def accounts_purge_due() -> int:
    """Delete the accounts whose grace period ended, with everything that belongs to them."""
    deleted = 0
    for user in User.objects.filter(deletion_scheduled_for__lte=timezone.now()).iterator():
        with transaction.atomic():
            audit_record(action="account.deleted", actor_label=f"user {user.pk}",
                         reason="deleted at the person's request")  # fmt: skip
            for export in user.data_exports.all():
                export.json_file.delete(save=False)
                export.pdf_file.delete(save=False)
            user.delete()
            deleted += 1
    return deleted
