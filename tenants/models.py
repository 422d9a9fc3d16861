from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name

from tenants.verticals import vertical_choices


class TenantStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    GRACE = "grace", _("Grace period")
    READ_ONLY = "read_only", _("Read-only")
    SUSPENDED = "suspended", _("Suspended")
    ARCHIVED = "archived", _("Archived")
    PURGED = "purged", _("Purged")


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# Statuses in which the cabinet answers with a page saying why, not with its content.
UNAVAILABLE_STATUSES = frozenset(
    {TenantStatus.SUSPENDED, TenantStatus.ARCHIVED, TenantStatus.PURGED}
)


class Tenant(TenantMixin):
    """A business on the platform. Its data lives in the PostgreSQL schema `schema_name`."""

    slug = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    vertical = models.CharField(max_length=16, choices=vertical_choices, blank=True)
    status = models.CharField(
        max_length=16, choices=TenantStatus.choices, default=TenantStatus.TRIAL
    )
    default_language = models.CharField(max_length=8, default="en")
    # Where the business is: its clients and staff read every time in this zone.
    time_zone = models.CharField(max_length=64, default="UTC")
    owner_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # When anyone last used the cabinet, to within ACTIVITY_RESOLUTION (tenants.activity).
    last_activity_at = models.DateTimeField(null=True, blank=True)

    # Schemas are cloned from a pre-migrated template by tenants.services, never migrated at
    # creation; and a schema is dropped only by an explicit service call.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("slug"), name="tenant_slug_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_public(self) -> bool:
        return self.schema_name == get_public_schema_name()

    @property
    def zone(self) -> ZoneInfo:
        return zone_or_utc(self.time_zone)

    @property
    def is_unavailable(self) -> bool:
        return self.status in UNAVAILABLE_STATUSES


class Domain(DomainMixin):
    """A host name routed to a tenant: `<slug>.<platform-domain>` or a custom domain. A custom
    domain routes only once its DNS TXT record proved the owner controls it."""

    is_custom = models.BooleanField(default=False)
    is_verified = models.BooleanField(default=True)
    verification_token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.domain


class TenantEvent(models.Model):
    """The platform's audit trail of a tenant: lifecycle changes, impersonations, domains.
    Actors are platform admins (or the system); they live in `public`, named here by id and
    email so the trail survives them."""

    class Kind(models.TextChoices):
        PROVISIONED = "provisioned", _("Provisioned")
        STATUS = "status", _("Status changed")
        IMPERSONATION = "impersonation", _("Impersonation started")
        DOMAIN = "domain", _("Domain changed")
        EXPORT = "export", _("Data exported")
        SIGN_OUT = "sign_out", _("Everyone signed out")
        MOVED = "moved", _("Moved to another node")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, default="system")
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class SchemaTemplate(models.Model):
    """A pre-migrated schema new tenant schemas are cloned from: the base one (tables only) and
    one per vertical (with that vertical's starter content). `version` names the migration state
    and starter content it was built with."""

    schema_name = models.CharField(max_length=63, unique=True)
    vertical = models.CharField(max_length=16, blank=True)
    version = models.CharField(max_length=64)
    built_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.schema_name} @ {self.version[:12]}"


class SpareSchema(models.Model):
    """A ready-made schema in the warm pool, cloned from a vertical template, waiting for a
    signup to claim (rename) it."""

    schema_name = models.CharField(max_length=63, unique=True)
    vertical = models.CharField(max_length=16, choices=vertical_choices)
    template_version = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["vertical", "template_version"])]

    def __str__(self) -> str:
        return self.schema_name


class DeferredTask(models.Model):
    """A task to send later, kept here instead of as a broker countdown (issue 25): a countdown
    is held by a worker until it is due, and a worker killed in the meantime (an OOM kill, a lost
    node) loses it or, on Redis, gets it back only after the visibility timeout. Rows here are
    sent when due by `tenants.release_deferred` (every few seconds, from beat), in the schema they
    were made in (its `_schema_name` header is in `options`)."""

    due_at = models.DateTimeField(db_index=True)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)  # task_id, retries, headers …
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.task_name} at {self.due_at:%Y-%m-%d %H:%M:%S}"


class SchemaMove(models.Model):
    """A cabinet's schema moving to another node of a Citus cluster (tenants.placement): asked
    for by an admin, by a rebalance (all moves of one rebalance share `batch`), or by the
    placement of a new cabinet. Rows are the progress the control panel shows."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Moving")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="moves")
    batch = models.CharField(max_length=32, blank=True, db_index=True)
    source = models.CharField(max_length=255, blank=True)
    target_node_id = models.IntegerField()
    target = models.CharField(max_length=255)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, default="system")
    reason = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.tenant_id} -> {self.target} ({self.state})"
