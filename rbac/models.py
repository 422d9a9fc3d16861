from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person in one schema: a client or staff member of one tenant, or (in `public`) a
    platform admin. There is no global user table."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Staff work in the back office (/staff/); clients use the cabinet.
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    # A sign-in phone in E.164, managed by django-allauth: usable to sign in (with the password or
    # a one-time SMS code) only once a code sent to it was typed back.
    phone = models.CharField(_("phone"), max_length=16, blank=True, default="")
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Set when the person asked to delete their account; cancelled by them until then.
    deletion_scheduled_for = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["phone"], condition=models.Q(phone_verified=True), name="user_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    @property
    def phone_display(self) -> str:
        from rbac.sms import phone_display

        return phone_display(self.phone) if self.phone else ""

    def get_short_name(self) -> str:
        return self.full_name.split()[0] if self.full_name.strip() else self.email.split("@")[0]


class AuditEntry(models.Model):
    """The tenant's audit log: who did what to which object, when, from where. Append-only: a
    database trigger (migration 0002) refuses UPDATE and DELETE on this table."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        "rbac.User", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    session_hash = models.CharField(max_length=16, blank=True)
    impersonated_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class HandoffUse(models.Model):
    """A hand-off token's nonce, recorded when the token is used: the second use fails."""

    nonce = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.nonce


def staff_two_factor_default() -> bool:
    """ASVS 6.3.3: staff use a second factor unless the owner turns it off
    (STAFF_TWO_FACTOR_DEFAULT, on unless the environment says otherwise)."""
    return settings.STAFF_TWO_FACTOR_DEFAULT


class SecurityPolicy(models.Model):
    """How this cabinet guards its doors, set by its owner. One row per schema."""

    class Registration(models.TextChoices):
        OPEN = "open", _("Anyone can register")
        INVITATION = "invitation", _("Invitation only")

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    registration = models.CharField(
        _("client registration"), max_length=16, choices=Registration.choices,
        default=Registration.OPEN,
    )  # fmt: skip
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("sign out after idle minutes"), default=15,
        validators=[MinValueValidator(2), MaxValueValidator(24 * 60)],
    )  # fmt: skip
    require_staff_mfa = models.BooleanField(
        _("staff must use two-factor sign-in"), default=staff_two_factor_default
    )
    kpi_leaderboard = models.BooleanField(_("show staff a leaderboard"), default=True)
    audit_retention_days = models.PositiveIntegerField(
        _("keep the audit log for days"), default=730,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
    )  # fmt: skip
    inactive_client_days = models.PositiveIntegerField(
        _("hide clients from operators after days without activity"), default=365,
        validators=[MinValueValidator(7)],
    )  # fmt: skip
    booking_reminder_hours = models.PositiveSmallIntegerField(
        _("remind clients of a booking this many hours before (0: never)"), default=18,
        validators=[MaxValueValidator(24 * 7)],
    )  # fmt: skip
    community_enabled = models.BooleanField(
        _("a community board where clients talk to each other"), default=False
    )
    community_direct_messages = models.BooleanField(
        _("clients who both agree may message each other directly"), default=False
    )
    points_expire_months = models.PositiveSmallIntegerField(
        _("bonus points expire this many months after they were earned (0: never)"), default=12,
        validators=[MaxValueValidator(120)],
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "security policy"


class StaffInvitation(models.Model):
    """An owner's invitation to join the staff: a link that works once, until it expires."""

    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, default="operator")
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.email

    @property
    def is_pending(self) -> bool:
        return not self.accepted_at and not self.revoked_at and timezone.now() < self.expires_at


class DataExport(models.Model):
    """Everything a cabinet holds about one person, as JSON and as a readable PDF, built by a
    worker. The files are private: served only to their person, through signed, expiring links."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    json_file = models.FileField(upload_to="private/exports/", blank=True)
    pdf_file = models.FileField(upload_to="private/exports/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="export_progress_max"
            )
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id}"


class Team(models.Model):
    """A group of staff with its managers (members whose role is manager): a manager sees the
    clients assigned to the team's members and the team's figures."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class NewClientRule(models.Model):
    """Who a new client (signed up, or created at the front desk) is assigned to. One row per
    schema; none until the owner sets it."""

    class Rule(models.TextChoices):
        NONE = "none", _("Nobody: the owner and admins assign them")
        ROUND_ROBIN = "round_robin", _("In turn, within a team")
        LEAST_LOADED = "least_loaded", _("To whoever has the fewest clients")

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    rule = models.CharField(max_length=16, choices=Rule.choices, default=Rule.NONE)
    # Round-robin needs a team; least-loaded uses it when given, else every active staff member.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    # Round-robin's place: the last person it chose (the next one in order follows).
    last_staff = models.ForeignKey(
        "rbac.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(rule="round_robin") | models.Q(team__isnull=False),
                name="round_robin_needs_a_team",
            )
        ]

    def __str__(self) -> str:
        return self.rule


class ClientInvitation(models.Model):
    """A way in for a client the front desk created: a one-time code sent by email or SMS, or
    printed on a login slip. Only an HMAC of the code is kept; it works once, until it expires,
    and a newer invitation of the same person revokes it."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        SLIP = "slip", _("Printed slip")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_invitations")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    code_hash = models.CharField(max_length=200)  # a salted password hash of the code
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="one_open_client_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} invitation of {self.user_id}"

    @property
    def is_pending(self) -> bool:
        return not self.used_at and not self.revoked_at and timezone.now() < self.expires_at


class StaffProfile(models.Model):
    """A staff member's place: their role (a group of permissions), team, and read quota."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin — sees and manages everything")
        MANAGER = "manager", _("Manager — sees their team's clients")
        OPERATOR = "operator", _("Operator — sees the clients assigned to them")
        VIEWER = "viewer", _("Viewer — reads what is assigned to them")
        CUSTOM = "custom", _("A role the owner composed")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    custom_role = models.ForeignKey(
        "auth.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OPERATOR)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    # Distinct client records this person may open per hour (the owner sets it).
    read_quota_per_hour = models.PositiveIntegerField(default=200)

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class ApiKey(models.Model):
    """A key for the cabinet's integrations (a PMS, a shop system, a school's records): made by
    the owner with scopes, shown once, kept only as a SHA-256 of the secret, revocable. A key
    acts with its maker's permissions, narrowed to its scopes."""

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)  # shown in lists; finds the key
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey("rbac.User", on_delete=models.CASCADE, related_name="api_keys")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
