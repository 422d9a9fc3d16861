"""billing's answers to the control panel: each tenant's plan and this month's usage, and a
usage chart on the tenant's page."""

import datetime as dt
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.dispatch import receiver
from django.utils import timezone

from billing.limits import plan_for
from billing.models import Metric, Plan, Subscription, UsageEvent
from billing.usage import month_bounds
from tenants.charts import bar_chart
from tenants.models import Tenant
from tenants.signals import ControlPanel, control_tenant_panels, control_tenant_rows

SHOWN_METRICS = (Metric.ORDERS, Metric.BOOKINGS, Metric.CLIENTS)


@receiver(control_tenant_rows)
def plans_and_usage(sender: Any, tenants: list[Tenant], **kwargs: Any) -> dict[int, dict[str, str]]:
    ids = [t.pk for t in tenants]
    default = Plan.objects.filter(is_default=True).first()
    plans = dict(
        Subscription.objects.filter(tenant_id__in=ids).values_list("tenant_id", "plan__name")
    )
    start, end = month_bounds(timezone.now())
    usage: dict[int, dict[str, int]] = {}
    rows = (
        UsageEvent.objects.filter(tenant_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .values_list("tenant_id", "metric")
        .annotate(total=Sum("quantity"))
    )
    for tenant_id, metric, total in rows:
        usage.setdefault(tenant_id, {})[metric] = total
    return {
        tenant_id: {
            "plan": plans.get(tenant_id) or (default.name if default else "—"),
            "usage": " · ".join(
                f"{usage.get(tenant_id, {}).get(m, 0)} {m}"
                for m in (Metric.ORDERS, Metric.BOOKINGS)
            ),
        }
        for tenant_id in ids
    }


@receiver(control_tenant_panels)
def usage_panel(sender: Any, tenant: Tenant, **kwargs: Any) -> list[ControlPanel]:
    plan = plan_for(tenant)
    since = timezone.now() - dt.timedelta(days=30)
    daily = dict(
        UsageEvent.objects.filter(tenant=tenant, occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    today = timezone.localdate()
    points = [
        (
            (today - dt.timedelta(days=d)).strftime("%d %b"),
            daily.get(today - dt.timedelta(days=d), 0),
        )
        for d in range(29, -1, -1)
    ]
    start, end = month_bounds(timezone.now())
    month = dict(
        UsageEvent.objects.filter(tenant=tenant, occurred_at__gte=start, occurred_at__lt=end)
        .values_list("metric")
        .annotate(total=Sum("quantity"))
    )
    quotas = {
        Metric.ORDERS: plan.orders_per_month,
        Metric.BOOKINGS: plan.bookings_per_month,
        Metric.NOTIFICATIONS: plan.notifications_per_month,
    }
    lines = [(metric, month.get(metric, 0), quota) for metric, quota in quotas.items()]
    return [
        ControlPanel(
            title=f"Usage — {plan.name} plan",
            template="control/_usage_panel.html",
            context={"chart": bar_chart(points), "lines": lines},
        )
    ]
