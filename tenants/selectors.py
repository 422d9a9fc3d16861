"""Reads for the platform's control panel (platform admins see every tenant)."""

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format

from tenants.charts import bar_chart
from tenants.models import Domain, Tenant, TenantEvent, TenantStatus

SORTS = {
    "name": "name",
    "-name": "-name",
    "created": "created_at",
    "-created": "-created_at",
    "status": "status",
    "changed": "-status_changed_at",
    "active": "-last_activity_at",
}
LIVE_STATUSES = (TenantStatus.TRIAL, TenantStatus.ACTIVE, TenantStatus.PAST_DUE,
                 TenantStatus.GRACE, TenantStatus.READ_ONLY)  # fmt: skip
CHURNED_STATUSES = (TenantStatus.SUSPENDED, TenantStatus.ARCHIVED, TenantStatus.PURGED)


def tenant_list(
    *, query: str = "", status: str = "", vertical: str = "", sort: str = "-created"
) -> QuerySet[Tenant]:
    tenants = Tenant.objects.exclude(schema_name="public").prefetch_related("domains")
    query = query.strip()[:100]
    if query:
        tenants = tenants.filter(
            Q(name__icontains=query)
            | Q(slug__icontains=query)
            | Q(owner_email__icontains=query)
            | Q(domains__domain__icontains=query)
        ).distinct()
    if status in TenantStatus.values:
        tenants = tenants.filter(status=status)
    if vertical:
        tenants = tenants.filter(vertical=vertical)
    return tenants.order_by(SORTS.get(sort, "-created_at"), "pk")


def tenant_get(*, pk: int) -> Tenant:
    return Tenant.objects.exclude(schema_name="public").get(pk=pk)


def tenant_events(tenant: Tenant, *, limit: int = 100) -> list[TenantEvent]:
    return list(tenant.events.all()[:limit])


def _daily(counts: dict, days: int) -> list[tuple[str, float]]:
    today = timezone.localdate()
    return [
        (
            date_format(today - timedelta(days=offset), "MONTH_DAY_FORMAT"),
            counts.get(today - timedelta(days=offset), 0),
        )
        for offset in range(days - 1, -1, -1)
    ]


def platform_kpis(*, days: int = 30) -> dict[str, object]:
    since = timezone.now() - timedelta(days=days)
    tenants = Tenant.objects.exclude(schema_name="public")
    signups = dict(
        tenants.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    churn = dict(
        TenantEvent.objects.filter(
            kind=TenantEvent.Kind.STATUS, to_status__in=CHURNED_STATUSES, created_at__gte=since
        )
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    by_status = dict(tenants.values_list("status").annotate(n=Count("pk")))
    live = sum(by_status.get(s, 0) for s in LIVE_STATUSES)
    churned = sum(churn.values())
    return {
        "signups": bar_chart(_daily(signups, days)),
        "churn": bar_chart(_daily(churn, days)),
        "signups_total": sum(signups.values()),
        "churned_total": churned,
        "live": live,
        "by_status": by_status,
        "churn_rate": round(100 * churned / live, 1) if live else 0.0,
        "days": days,
    }


def domain_list_for(*, tenant: Tenant) -> QuerySet[Domain]:
    return Domain.objects.filter(tenant=tenant).order_by("-is_primary", "-is_verified", "domain")


def domain_get_for(*, tenant: Tenant, pk: int) -> Domain:
    """One of this tenant's domains; another tenant's id is DoesNotExist, like a missing one."""
    return Domain.objects.get(tenant=tenant, pk=pk)
