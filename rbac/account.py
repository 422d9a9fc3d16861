"""A person's own account: their data as an export, and deleting the account after a grace
period (cancellable until then)."""

import json
import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from rest_framework.authtoken.models import Token

from rbac.audit import audit_record
from rbac.documents import Section, pdf_document
from rbac.models import (
    ApiKey,
    AuditEntry,
    ClientInvitation,
    DataExport,
    StaffInvitation,
    StaffProfile,
    User,
)
from rbac.signals import (
    PersonalDataSection,
    file_delete_on_commit,
    personal_data_erasing,
    personal_data_requested,
    personal_record,
)
from tenants.tasks_base import enqueue_on_commit, task_named

logger = logging.getLogger(__name__)

DELETION_GRACE_DAYS = 14
# The domain of the address an anonymised account keeps (RFC 2606: never delivered).
ERASED_DOMAIN = "deleted.invalid"
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
        build_data_export = task_named("rbac.build_data_export")

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
                "sign-in phone": user.phone,
                "phone verified": str(user.phone_verified),
                "joined": user.date_joined.isoformat(),
                "last sign-in": user.last_login.isoformat() if user.last_login else "",
            }
        ],
        sources=("rbac.User",),
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
    records += [
        personal_record(linked_login=a.provider, account_id=a.uid, last_used=a.last_login)
        for a in SocialAccount.objects.filter(user=user)
    ]
    if Token.objects.filter(user=user).exists():
        records.append(personal_record(api_token="yes (the token itself is not shown)"))  # noqa: S106
    records += [
        personal_record(data_export=e.created_at, status=e.status)
        for e in DataExport.objects.filter(user=user)
    ]
    records += [
        personal_record(
            sign_in_code_sent_by=i.channel,
            made=i.created_at,
            used=i.used_at,
            revoked=i.revoked_at,
            expires=i.expires_at,
        )
        for i in ClientInvitation.objects.filter(user=user)
    ]
    return PersonalDataSection(
        title="Ways in and sessions",
        records=records,
        sources=(
            "rbac.ClientInvitation",
            "account.EmailAddress",
            "mfa.Authenticator",
            "usersessions.UserSession",
            "socialaccount.SocialAccount",
            "authtoken.Token",
            "rbac.DataExport",
        ),
    )


def _staff_section(user: User) -> PersonalDataSection:
    """For a member of staff: their role, the invitations and API keys they made."""
    records = [
        personal_record(
            role=p.custom_role or p.role,
            team=p.team or "",
            read_quota_per_hour=p.read_quota_per_hour,
        )
        for p in StaffProfile.objects.filter(user=user).select_related("custom_role", "team")
    ]
    records += [
        personal_record(invited=i.email, role=i.role, on=i.created_at, accepted=i.accepted_at)
        for i in StaffInvitation.objects.filter(invited_by=user)
    ]
    records += [
        personal_record(api_key=k.name, prefix=k.prefix, created=k.created_at, revoked=k.revoked_at)
        for k in ApiKey.objects.filter(created_by=user)
    ]
    return PersonalDataSection(
        title="Work in the back office",
        records=records,
        sources=("rbac.StaffProfile", "rbac.StaffInvitation", "rbac.ApiKey"),
    )


def _activity_section(user: User) -> PersonalDataSection:
    """What the person did, and what was done to their account, as the audit log has it."""
    entries = AuditEntry.objects.filter(
        Q(actor=user) | Q(target_type="user", target_id=str(user.pk))
    ).order_by("-at")[:500]
    return PersonalDataSection(
        title="Activity recorded for you",
        records=[
            {"when": e.at.isoformat(), "what": e.action, "by": e.actor_label} for e in entries
        ],
        sources=("rbac.AuditEntry",),
    )


def personal_data_sections(*, user: User) -> list[PersonalDataSection]:
    """Everything held about the person: the account's own sections, then each app's answer to
    personal_data_requested, then the audit log's."""
    sections = [_profile_section(user), _sign_in_section(user)]
    if user.is_staff:
        sections.append(_staff_section(user))
    for _receiver, answer in personal_data_requested.send(sender=User, user=user):
        sections.extend(answer or [])
    sections.append(_activity_section(user))
    return sections


def _progress(export: DataExport, value: int) -> None:
    DataExport.objects.filter(pk=export.pk).update(progress=value)


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the files (idempotent: a finished export is left as it is)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status == DataExport.Status.READY:
        return export
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING, progress=5)
    user = export.user
    sections = personal_data_sections(user=user)
    _progress(export, 60)
    tenant_name = getattr(connection.tenant, "name", "Kabinet")
    made_at = timezone.now()
    payload = {
        "cabinet": tenant_name,
        "made_at": made_at.isoformat(),
        "sections": [{"title": s.title, "records": s.records} for s in sections],
    }
    pdf = pdf_document(
        title=f"{tenant_name}: your data",
        subtitle=f"{user.email} · {date_format(made_at, 'DATETIME_FORMAT')} UTC",
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


def _anonymise(user: User) -> None:
    """What is left of an account that accounting records still point to (orders, the ledger,
    stays, returns …, kept for the retention period): no name, address, phone or way in."""
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    UserSession.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    UserObjectPermission.objects.filter(user=user).delete()
    StaffProfile.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = f"deleted-{user.pk}@{ERASED_DOMAIN}"
    user.full_name, user.language, user.phone, user.phone_verified = "", "", "", False
    user.is_active, user.is_staff, user.last_login, user.deletion_scheduled_for = (
        False, False, None, None,
    )  # fmt: skip
    user.set_unusable_password()
    user.save()


def account_erase(*, user: User) -> bool:
    """Erase the person: each app erases what it holds (personal_data_erasing), then the account
    is deleted — or, where accounting records must be kept, anonymised. One transaction; True
    when the account row is gone, False when an anonymised one is kept."""
    with transaction.atomic():
        audit_record(action="account.deleted", actor_label=f"user {user.pk}",
                     reason="deleted at the person's request")  # fmt: skip
        for export in user.data_exports.all():
            file_delete_on_commit(export.json_file)
            file_delete_on_commit(export.pdf_file)
        user.data_exports.all().delete()
        personal_data_erasing.send(sender=User, user=user)
        try:
            with transaction.atomic():
                user.delete()
        except (ProtectedError, RestrictedError):
            _anonymise(user)
            return False
        return True


def accounts_purge_due() -> int:
    """Erase the accounts whose grace period ended. A person whose erasure fails is left as they
    are (their transaction is rolled back), reported to Sentry and in the audit log the owner
    reads, and the run carries on with the next; they are tried again the next night."""
    erased = 0
    due = User.objects.filter(deletion_scheduled_for__lte=timezone.now()).order_by("pk")
    for user in list(due):
        try:
            account_erase(user=user)
        except Exception as exc:  # one person's failure must not stop everyone else's
            logger.exception("Deleting account %s failed", user.pk)
            audit_record(action="account.deletion_failed", actor_label="system", target=user,
                         reason=f"{type(exc).__name__}: {exc}"[:500])  # fmt: skip
        else:
            erased += 1
    return erased
