from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import limits
from rbac.audit import audit_record
from rbac.models import (
    ClientInvitation,
    HandoffUse,
    NewClientRule,
    SecurityPolicy,
    StaffInvitation,
    StaffProfile,
    Team,
    User,
)
from rbac.roles import role_set
from tenants import signing
from tenants.handoff import Handoff, HandoffInvalid, handoff_read
from tenants.tasks_base import enqueue_on_commit, task_named


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
    send_staff_invitation = task_named("rbac.send_staff_invitation")

    enqueue_on_commit(send_staff_invitation, invitation.pk, token)
    return invitation


def invitation_for(token: str) -> StaffInvitation:
    if not signing.token_belongs(INVITATION_PURPOSE, token):  # forged, or another cabinet's
        raise InvitationRefused("this invitation link is not valid any more")
    invitation = StaffInvitation.objects.filter(token_hash=signing.token_hash(token)).first()
    if invitation is None or not invitation.is_pending:
        raise InvitationRefused("this invitation link is not valid any more")
    return invitation


def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the staff account the invitation names; the link then stops working. The
    password is checked first, outside the transaction (the breached-password check asks a
    service over the network)."""
    invitation = invitation_for(token)
    full_name = (full_name or invitation.full_name).strip()[:150]
    password_validation.validate_password(
        password, User(email=invitation.email, full_name=full_name)
    )
    return _invitation_accept_locked(invitation=invitation, password=password, full_name=full_name)


@transaction.atomic
def _invitation_accept_locked(
    *, invitation: StaffInvitation, password: str, full_name: str
) -> User:
    locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise InvitationRefused("this invitation link is not valid any more")
    user = User(email=locked.email, full_name=full_name)
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
    tell_owner_about_quota = task_named("rbac.tell_owner_about_quota")

    enqueue_on_commit(tell_owner_about_quota, staff.pk)


# --- Offboarding: switching a staff member off, and back on ----------------------------------


class OffboardingRefused(Exception):
    """Nobody deactivates the owner, nor themselves; a seat must be free to come back."""


def _revoke_access(member: User) -> dict[str, int]:
    """End every way `member` has in: their sessions (allauth's tracked ones and any other of
    theirs), DRF tokens, API keys and second factors (passkeys, TOTP, recovery codes)."""
    from allauth.mfa.models import Authenticator
    from rest_framework.authtoken.models import Token

    from rbac.models import ApiKey
    from rbac.sessions import user_sessions_delete

    sessions = user_sessions_delete(user=member)
    return {
        "sessions": sessions,
        "tokens": Token.objects.filter(user=member).delete()[0],
        "api_keys": ApiKey.objects.filter(created_by=member, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ),
        "authenticators": Authenticator.objects.filter(user=member).delete()[0],
    }


def staff_deactivate(*, member: User, by: User, reason: str = "") -> dict[str, int]:
    """Switch a staff member off: inactive (their seat is free: seats count active staff), every
    session, token, key and second factor revoked at once. Runs inside the caller's transaction
    (cabinet's offboarding hands their clients and work over in the same one); their rows stay,
    so their history stays theirs."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("staff_deactivate runs inside the offboarding transaction")
    locked = User.objects.select_for_update().get(pk=member.pk)
    if locked.is_superuser:
        raise OffboardingRefused(_("Nobody can deactivate the cabinet's owner."))
    if locked.pk == by.pk:
        raise OffboardingRefused(_("You cannot deactivate yourself."))
    if not locked.is_staff:
        raise OffboardingRefused(_("Only staff members are deactivated here."))
    if not locked.is_active:
        raise OffboardingRefused(_("%s is already deactivated.") % locked.get_full_name())
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    revoked = _revoke_access(locked)
    audit_record(action="staff.deactivated", actor=by, target=locked,
                 changes={"email": locked.email, **revoked}, reason=reason[:500])  # fmt: skip
    member.is_active = False
    return revoked


@transaction.atomic
def staff_reactivate(*, member: User, by: User) -> User:
    """Bring a deactivated staff member back, if the plan has a seat for them. They sign in
    again with their password; second factors are set up anew."""
    if not by.is_superuser:
        raise OffboardingRefused(_("Only the owner reactivates staff."))
    locked = User.objects.select_for_update().get(pk=member.pk)
    if not locked.is_staff or locked.is_active:
        raise OffboardingRefused(_("This person is not deactivated."))
    seats_taken = (
        User.objects.select_for_update().filter(is_staff=True, is_active=True).count()
        + StaffInvitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count()
    )
    verdict = limits.check("staff_seats", current=seats_taken)
    if not verdict.allowed:
        raise ValidationError(verdict.message, code="seat_limit")
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    audit_record(action="staff.reactivated", actor=by, target=locked,
                 changes={"email": locked.email})  # fmt: skip
    return locked


# --- Teams and the rule for new clients --------------------------------------------------------


@transaction.atomic
def team_create(*, name: str, by: User) -> Team:
    name = " ".join(name.split())[:80]
    if not name:
        raise ValidationError(_("Give the team a name."))
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("There is already a team with this name."))
    team = Team.objects.create(name=name)
    audit_record(action="team.created", actor=by, target=team, changes={"name": name})
    return team


@transaction.atomic
def team_delete(*, team: Team, by: User) -> None:
    """The team goes; its members stay, without a team (managers lose nothing else)."""
    audit_record(action="team.deleted", actor=by, target=team, changes={"name": team.name})
    team.delete()


@transaction.atomic
def team_member_set(*, member: User, team: Team | None, manager: bool, by: User) -> StaffProfile:
    """Put a staff member in a team (or none) and name them its manager or not. A manager's
    role is the built-in manager role (their team's clients and figures); naming someone no
    longer manager makes them an operator. Admins and custom roles keep their role."""
    if member.is_superuser or not member.is_staff:
        raise ValidationError(_("The owner is in no team."))
    profile = StaffProfile.objects.select_for_update().filter(user=member).first()
    role = profile.role if profile else StaffProfile.Role.OPERATOR
    custom = profile.custom_role if profile else None
    before = (profile.team_id if profile else None, role)
    if manager:
        if team is None:
            raise ValidationError(_("A manager manages a team: choose one."))
        role, custom = StaffProfile.Role.MANAGER, None
    elif role == StaffProfile.Role.MANAGER:
        role = StaffProfile.Role.OPERATOR
    profile = role_set(user=member, role=role, team_id=team.pk if team else None, custom=custom)
    audit_record(
        action="team.member_set", actor=by, target=member,
        changes={"team": [before[0], team.pk if team else None], "role": [before[1], role]},
    )  # fmt: skip
    return profile


@transaction.atomic
def new_client_rule_set(*, rule: str, team: Team | None, by: User) -> NewClientRule:
    if rule not in NewClientRule.Rule.values:
        raise ValidationError(_("Choose a rule."))
    if rule == NewClientRule.Rule.ROUND_ROBIN and team is None:
        raise ValidationError(_("Round-robin needs a team."))
    current = NewClientRule.objects.select_for_update().first() or NewClientRule()
    before = (current.rule, current.team_id)
    current.rule, current.team = rule, team
    current.save()
    audit_record(action="new_client_rule.set", actor=by, target=current,
                 changes={"rule": [before[0], rule],
                          "team": [before[1], team.pk if team else None]})  # fmt: skip
    return current


# --- Clients the front desk creates, and their ways in -----------------------------------------

CLIENT_INVITATION_DAYS = 14
# No 0/O, 1/I/L: read aloud at a desk and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def _client_code_secret(*, user_id: int, code: str) -> str:
    """What is hashed for a front-desk code: the code as typed on a phone (case, dashes and
    spaces ignored), bound to this cabinet and person."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{signing.current_schema()}:{user_id}:{normal}"


def client_code_hash(*, user_id: int, code: str) -> str:
    """A salted password hash (PASSWORD_HASHERS: Argon2) of the code (ASVS 6.5.2): a leaked
    table gives no code back, and the same code never hashes the same twice."""
    return make_password(_client_code_secret(user_id=user_id, code=code))


def client_code_matches(*, user_id: int, code: str, stored: str) -> bool:
    """Whether `code` is the one hashed in `stored`. Invitations made before codes were
    password-hashed (an HMAC of 64 hex characters) are checked as they were made, until they
    expire (14 days)."""
    if "$" not in stored:
        normal = "".join(ch for ch in code.upper() if ch.isalnum())
        return signing.same(stored, signing.digest("rbac.client-invitation", f"{user_id}:{normal}"))
    return check_password(_client_code_secret(user_id=user_id, code=code), stored)


def client_account_duplicate(*, email: str, phone: str) -> User | None:
    """The account that already has this email or (sign-in) phone, if any."""
    if email and (found := User.objects.filter(email__iexact=email).first()):
        return found
    if phone and (found := User.objects.filter(phone=phone).first()):
        return found
    return None


PHONE_ONLY_DOMAIN = "phone.invalid"  # RFC 2606: never delivered, never anyone's address


def client_account_create(
    *, full_name: str, email: str, phone: str, language: str, by: User
) -> User:
    """A client account made at the front desk, in the caller's transaction: no password until
    they redeem an invitation. A client with only a phone gets an address under `.invalid`
    (the model wants one; it has no allauth EmailAddress, so nothing is ever sent to it)."""
    if not email and not phone:
        raise ValidationError(_("Give an email or a phone."))
    if client_account_duplicate(email=email, phone=phone) is not None:
        raise ValidationError(
            _("A person with this email or phone already has an account here."), code="duplicate"
        )
    clients = User.objects.filter(is_staff=False, is_active=True).count()
    verdict = limits.check("clients", current=clients)
    if not verdict.allowed:
        raise ValidationError(verdict.message, code="client_limit")
    address = email or f"{signing.hex_mint(8)}@{PHONE_ONLY_DOMAIN}"
    try:
        with transaction.atomic():  # two desks typing the same email at once: one wins
            user = User.objects.create_user(
                email=address, password=None, full_name=" ".join(full_name.split())[:150],
                language=language, phone=phone or "",
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError(
            _("A person with this email or phone already has an account here."), code="duplicate"
        ) from exc
    if email:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    audit_record(action="client.created_at_desk", actor=by, target=user,
                 changes={"email": bool(email), "phone": bool(phone)})  # fmt: skip
    return user


def has_real_email(user: User) -> bool:
    return not user.email.endswith("@" + PHONE_ONLY_DOMAIN)


@transaction.atomic
def client_invitation_issue(*, user: User, channel: str, by: User) -> tuple[ClientInvitation, str]:
    """A new one-time code for `user` (any older open one stops working), sent by email or SMS
    once this commits, or returned for the printed slip. The code itself is never stored."""
    if user.is_staff or not user.is_active:
        raise ValidationError(_("Only active clients are invited here."))
    if user.has_usable_password():
        # A code sets the password: for someone who has one, it would let staff into their
        # account. They reset their own with "Forgot your password?".
        raise ValidationError(
            _("This client already has a password; they can reset it themselves."),
            code="has_password",
        )
    if channel not in ClientInvitation.Channel.values:
        raise ValidationError(_("Choose how to send the invitation."))
    if channel == ClientInvitation.Channel.EMAIL and not has_real_email(user):
        raise ValidationError(_("This client has no email address."))
    if channel == ClientInvitation.Channel.SMS and not user.phone:
        raise ValidationError(_("This client has no phone number."))
    now = timezone.now()
    ClientInvitation.objects.select_for_update().filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    code = signing.code_mint(CODE_ALPHABET, CODE_LENGTH)
    invitation = ClientInvitation.objects.create(
        user=user, channel=channel, code_hash=client_code_hash(user_id=user.pk, code=code),
        created_by=by, expires_at=now + timedelta(days=CLIENT_INVITATION_DAYS),
    )  # fmt: skip
    audit_record(action="client.invited", actor=by, target=user, changes={"channel": channel})
    if channel != ClientInvitation.Channel.SLIP:
        send_client_invitation = task_named("rbac.send_client_invitation")

        enqueue_on_commit(send_client_invitation, invitation.pk, code)
    return invitation, code


def client_by_login(login: str) -> User | None:
    """The client a login names: an email, or a phone in any usual spelling."""
    from rbac.sms import e164

    login = login.strip()[:254]
    if not login:
        return None
    clients = User.objects.filter(is_staff=False, is_active=True)
    if "@" in login:
        return clients.filter(email__iexact=login).first()
    number = e164(login)
    return clients.filter(phone=number).first() if number else None


def client_invitation_match(*, login: str, code: str) -> ClientInvitation | None:
    """The pending invitation that `login` and `code` name together, or None."""
    user = client_by_login(login)
    if user is None or not code.strip():
        return None
    invitation = ClientInvitation.objects.filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if invitation is None:
        return None
    matches = client_code_matches(user_id=user.pk, code=code[:64], stored=invitation.code_hash)
    return invitation if matches else None


def client_invitation_accept(*, invitation: ClientInvitation, password: str) -> User:
    """The invited client chose a password: the code is spent, and the channel it came through
    is proven theirs (an emailed code verifies the email, a texted one the phone; a slip handed
    over at the desk verifies a phone-only client's phone, and leaves an email to allauth's
    usual confirmation). Signing in afterwards is allauth's flow, in the view. The password is
    checked before the transaction (the breached-password check is a network call)."""
    password_validation.validate_password(password, User.objects.get(pk=invitation.user_id))
    return _client_invitation_accept_locked(invitation=invitation, password=password)


@transaction.atomic
def _client_invitation_accept_locked(*, invitation: ClientInvitation, password: str) -> User:
    locked = ClientInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise ValidationError(_("This code was already used or has expired."), code="spent")
    user = User.objects.select_for_update().get(pk=locked.user_id)
    user.set_password(password)
    user.save(update_fields=["password"])
    channel = locked.channel
    if channel == ClientInvitation.Channel.EMAIL:
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    proves_phone = channel == ClientInvitation.Channel.SMS or (
        channel == ClientInvitation.Channel.SLIP and not has_real_email(user)
    )
    if proves_phone and user.phone and not user.phone_verified:
        taken = User.objects.filter(phone=user.phone, phone_verified=True).exclude(pk=user.pk)
        if not taken.exists():
            user.phone_verified = True
            user.save(update_fields=["phone_verified"])
    if not has_real_email(user):
        # allauth asks every sign-in for a verified address: a phone-only client's stand-in
        # counts as one (it is nobody's and never written to), so signing in by phone works.
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"primary": True, "verified": True}
        )
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    audit_record(action="client.invitation_accepted", actor=user, target=user,
                 changes={"channel": channel})  # fmt: skip
    return user
