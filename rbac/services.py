from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import limits
from rbac.audit import audit_record
from rbac.models import HandoffUse, SecurityPolicy, StaffInvitation, StaffProfile, User
from rbac.roles import role_set
from tenants import signing
from tenants.handoff import Handoff, HandoffInvalid, handoff_read
from tenants.tasks_base import enqueue_on_commit


@transaction.atomic
def client_create(
    *,
    email: str,
    password: str,
    full_name: str = "",
    language: str = "",
    email_verified: bool = False,
) -> User:
    """A client of the current tenant (the connection's schema), with their email address
    recorded for django-allauth (verified when we know it is theirs)."""
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, language=language
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


class HandoffRefused(Exception):
    """The hand-off link cannot sign anyone in: expired, reused, forged or for nobody here."""


def handoff_consume(*, token: str, schema_name: str) -> tuple[User, Handoff]:
    """Check a hand-off token and burn its nonce; the staff member it names, if any."""
    try:
        handoff = handoff_read(token, schema_name=schema_name)
    except HandoffInvalid as exc:
        raise HandoffRefused(str(exc)) from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandoffUse.objects.create(nonce=handoff.nonce)
        except IntegrityError as exc:
            raise HandoffRefused("this link was already used") from exc
        user = User.objects.filter(
            email__iexact=handoff.email, is_active=True, is_staff=True
        ).first()
        if user is None:
            raise HandoffRefused("no staff member with that email here")
    return user, handoff


def user_language_set(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


INVITATION_DAYS = 3


class InvitationRefused(Exception):
    """The invitation link does not work: unknown, used, revoked or expired."""


INVITATION_PURPOSE = "rbac.staff-invitation"


@transaction.atomic
def staff_invite(
    *, invited_by: User, email: str, full_name: str = "", role: str = StaffProfile.Role.OPERATOR
) -> StaffInvitation:
    """Invite someone to the staff; the email with the link goes out once this commits."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("This person already has an account in this cabinet."))
    if role not in StaffProfile.Role.values:
        raise ValidationError(_("Choose a role."))
    seats_taken = (
        User.objects.select_for_update().filter(is_staff=True, is_active=True).count()
        + StaffInvitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .exclude(email__iexact=email)
        .count()
    )
    verdict = limits.check("staff_seats", current=seats_taken)
    if not verdict.allowed:
        raise ValidationError(verdict.message, code="seat_limit")
    StaffInvitation.objects.filter(email__iexact=email, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = signing.token_mint(INVITATION_PURPOSE)  # names this cabinet, checked on use
    invitation = StaffInvitation.objects.create(
        email=email,
        full_name=full_name.strip()[:150],
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        token_hash=signing.token_hash(token),
    )
    audit_record(action="staff.invited", actor=invited_by, target=invitation,
                 changes={"email": email})  # fmt: skip
    from rbac.tasks import send_staff_invitation

    enqueue_on_commit(send_staff_invitation, invitation.pk, token)
    return invitation


def invitation_for(token: str) -> StaffInvitation:
    if not signing.token_belongs(INVITATION_PURPOSE, token):  # forged, or another cabinet's
        raise InvitationRefused("this invitation link is not valid any more")
    invitation = StaffInvitation.objects.filter(token_hash=signing.token_hash(token)).first()
    if invitation is None or not invitation.is_pending:
        raise InvitationRefused("this invitation link is not valid any more")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the staff account the invitation names; the link then stops working."""
    invitation = invitation_for(token)
    locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise InvitationRefused("this invitation link is not valid any more")
    user = User(email=locked.email, full_name=(full_name or locked.full_name).strip()[:150])
    password_validation.validate_password(password, user)
    user.is_staff = True
    user.set_password(password)
    user.save()
    # Following the emailed link proved the address.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    role_set(user=user, role=locked.role)
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    audit_record(action="staff.joined", actor=user, target=user,
                 changes={"invited_by": locked.invited_by.email})  # fmt: skip
    return user


@transaction.atomic
def invitation_revoke(*, invitation: StaffInvitation, actor: User) -> None:
    StaffInvitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(action="staff.invitation_revoked", actor=actor, target=invitation)


@transaction.atomic
def policy_update(*, actor: User, **fields: object) -> SecurityPolicy:
    policy = SecurityPolicy.objects.select_for_update().first() or SecurityPolicy()
    before = {name: getattr(policy, name) for name in fields}
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    audit_record(
        action="security_policy.updated",
        actor=actor,
        changes={k: [str(before[k]), str(v)] for k, v in fields.items() if before[k] != v},
    )
    return policy


@transaction.atomic
def staff_role_update(
    *, member: User, role: str, read_quota_per_hour: int, by: User, custom: Group | None = None
) -> None:
    before = getattr(member, "staff_profile", None)
    profile = role_set(
        user=member, role=role, team_id=before.team_id if before else None, custom=custom
    )
    profile.read_quota_per_hour = read_quota_per_hour
    profile.save(update_fields=["read_quota_per_hour"])
    shown = custom.name.removeprefix("custom:") if custom is not None else role
    audit_record(action="staff.role_changed", actor=by, target=member,
                 changes={"role": shown, "read_quota_per_hour": read_quota_per_hour})  # fmt: skip


def owners_tell_quota_reached(*, staff: User) -> None:
    """Once the read quota refuses someone, their cabinet's owners hear of it (by email)."""
    from rbac.tasks import tell_owner_about_quota

    enqueue_on_commit(tell_owner_about_quota, staff.pk)
