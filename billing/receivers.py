"""billing's receivers: a new tenant's trial and Stripe customer; and its answers to the control
panel — each tenant's plan and this month's usage, a usage chart and invoices on the tenant's
page."""

from typing import Any

from django.db.models import Sum
from django.dispatch import receiver
from django.utils import timezone

from billing.models import Metric, Plan, StripeEvent, Subscription, UsageCheck, UsageEvent
from billing.reports import mrr, overage_to_date, paying_count, usage_report
from billing.subscriptions import account_open, invoices_for
from billing.usage import month_bounds
from billing.webhooks import stuck_events
from tenants.models import Tenant
from tenants.money import money
from tenants.signals import (
    ControlPanel,
    control_kpi_stats,
    control_tenant_panels,
    control_tenant_rows,
    tenant_provisioned,
)

SHOWN_METRICS = (Metric.ORDERS, Metric.BOOKINGS, Metric.CLIENTS)


@receiver(tenant_provisioned)
def open_account(sender: Any, tenant: Tenant, **kwargs: Any) -> None:
    account_open(tenant)


@receiver(control_tenant_rows)
def plans_and_usage(sender: Any, tenants: list[Tenant], **kwargs: Any) -> dict[int, dict[str, str]]:
    ids = [t.pk for t in tenants]
    default = Plan.objects.filter(is_default=True).first()
    plans = dict(  # a cancelled subscription's plan no longer applies: the default one does
        Subscription.objects.filter(
            tenant_id__in=ids, status__in=Subscription.PLAN_STATUSES
        ).values_list("tenant_id", "plan__name")
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


@receiver(control_kpi_stats)
def revenue(sender: Any, **kwargs: Any) -> list[tuple[str, str]]:
    stats = [(f"MRR ({currency})", money(total, currency)) for currency, total in mrr().items()]
    stats += [(f"overage this month ({currency})", money(total, currency))
              for currency, total in overage_to_date().items()]  # fmt: skip
    return [
        *stats,
        ("paying tenants", str(paying_count())),
        ("Stripe events stuck", str(stuck_events().count())),
    ]


@receiver(control_tenant_panels)
def usage_panel(sender: Any, tenant: Tenant, **kwargs: Any) -> list[ControlPanel]:
    report = usage_report(tenant)
    subscription = Subscription.objects.filter(tenant=tenant).first()
    return [
        ControlPanel(
            title=f"Usage — {report.plan.name} plan",
            template="control/_usage_panel.html",
            context={"report": report},
        ),
        ControlPanel(
            title="Subscription and invoices",
            template="control/_billing_panel.html",
            context={
                "subscription": subscription,
                "invoices": invoices_for(tenant),
                "checks": list(UsageCheck.objects.filter(tenant=tenant).order_by("metric")),
                "events": StripeEvent.objects.filter(customer_id=subscription.stripe_customer_id)[
                    :10
                ]
                if subscription and subscription.stripe_customer_id
                else [],
            },
        ),
    ]
