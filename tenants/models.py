from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name


class Vertical(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    SHOP = "shop", _("Shop")
    SCHOOL = "school", _("School")


class TenantStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    GRACE = "grace", _("Grace period")
    READ_ONLY = "read_only", _("Read-only")
    SUSPENDED = "suspended", _("Suspended")
    ARCHIVED = "archived", _("Archived")
    PURGED = "purged", _("Purged")


# Statuses in which the cabinet answers with a page saying why, not with its content.
UNAVAILABLE_STATUSES = frozenset(
    {TenantStatus.SUSPENDED, TenantStatus.ARCHIVED, TenantStatus.PURGED}
)


class Tenant(TenantMixin):
    """A business on the platform. Its data lives in the PostgreSQL schema `schema_name`."""

    slug = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    vertical = models.CharField(max_length=16, choices=Vertical.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=TenantStatus.choices, default=TenantStatus.TRIAL
    )
    default_language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(default=timezone.now)

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
    def is_unavailable(self) -> bool:
        return self.status in UNAVAILABLE_STATUSES


class Domain(DomainMixin):
    """A host name routed to a tenant: `<slug>.<platform-domain>` or a custom domain."""

    def __str__(self) -> str:
        return self.domain
