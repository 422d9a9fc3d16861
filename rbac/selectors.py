from allauth.usersessions.models import UserSession
from django.db.models import Q, QuerySet
from django.utils import timezone

from rbac.models import AuditEntry, DataExport, StaffInvitation, User


def staff_members() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True).order_by("email")


def pending_invitations() -> QuerySet[StaffInvitation]:
    return (
        StaffInvitation.objects.select_related("invited_by")
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
    )


def invitation_get(*, pk: int) -> StaffInvitation | None:
    return StaffInvitation.objects.filter(Q(pk=pk)).first()


def sign_in_methods(*, user: User) -> dict[str, object]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount, SocialApp

    names = dict(SocialApp.objects.values_list("provider_id", "name"))
    return {
        "linked_logins": [
            (names.get(account.provider, account.provider), account)
            for account in SocialAccount.objects.filter(user=user)
        ],
        "providers_available": bool(names),
        "emails": EmailAddress.objects.filter(user=user),
        "authenticators": Authenticator.objects.filter(user=user).exclude(
            type=Authenticator.Type.RECOVERY_CODES
        ),
    }


def export_latest(*, user: User) -> "DataExport | None":
    return DataExport.objects.filter(user=user).first()


def export_get_for(*, user: User, pk: object) -> "DataExport | None":
    """The person's own export; another person's id is None, like a missing one."""
    try:
        return DataExport.objects.filter(pk=int(pk), user=user).first()
    except (TypeError, ValueError):
        return None


def audit_search(
    *,
    query: str = "",
    action: str = "",
    actor: str = "",
    since: object = None,
    until: object = None,
) -> "QuerySet[AuditEntry]":
    """The owner's view of the audit log, filtered; every filter is optional and bounded."""
    entries = AuditEntry.objects.all().order_by("-at", "-id")
    if action:
        entries = entries.filter(action__startswith=action[:64])
    if actor:
        entries = entries.filter(actor_label__icontains=actor[:254])
    if query:
        q = query[:100]
        entries = entries.filter(
            Q(action__icontains=q)
            | Q(reason__icontains=q)
            | Q(target_id=q)
            | Q(actor_label__icontains=q)
        )
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries


def owner_contact() -> "User | None":
    """Whom a member of staff asks for access: the cabinet's owner."""
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def user_session_get(*, user: User, pk: object) -> UserSession | None:
    """One of `user`'s own tracked sessions, by its id; None for another's, a gone or a bad id."""
    raw = str(pk or "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:  # bigint's range
        return None
    return UserSession.objects.filter(user=user, pk=int(raw)).first()
