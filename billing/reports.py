"""What billing shows: a tenant's usage this period against its plan (for the owner's billing page
and the control panel), and the platform's MRR."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format

from billing.limits import WARNING_DENOMINATOR, WARNING_NUMERATOR, plan_for
from billing.models import (
    MONTHLY_METRICS,
    REPORTED_METRICS,
    Metric,
    Plan,
    Subscription,
    UsageEvent,
)
from billing.usage import month_bounds
from tenants.charts import BarChart, bar_chart
from tenants.models import Tenant

CHART_DAYS = 30


@dataclass(frozen=True)
class MeterLine:
    metric: str
    label: str
    used: int
    quota: int | None  # None: unlimited
    percent: int  # of the quota, capped at 100 for drawing
    level: str  # ok, warning, over


@dataclass(frozen=True)
class UsageReport:
    plan: Plan
    period_start: dt.datetime
    period_end: dt.datetime
    lines: list[MeterLine]
    daily: BarChart  # orders, bookings and notifications per day, the last CHART_DAYS days


def usage_report(tenant: Tenant, *, now: dt.datetime | None = None) -> UsageReport:
    """This calendar month's use of each monthly metric against the plan's quota, read from the
    ledger (so it includes what happened a moment ago), and the daily totals of the last
    CHART_DAYS days as a chart. Three queries."""
    now = now or timezone.now()
    plan = plan_for(tenant)
    start, end = month_bounds(now)
    today = now.astimezone(dt.UTC).date()
    first_day = today - dt.timedelta(days=CHART_DAYS - 1)
    since = min(start, dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC))
    rows = (
        UsageEvent.objects.filter(tenant=tenant, occurred_at__gte=since, occurred_at__lt=end)
        .annotate(day=TruncDate("occurred_at", tzinfo=dt.UTC))
        .values_list("metric", "day")
        .annotate(total=Sum("quantity"))
    )
    per_metric: dict[str, int] = defaultdict(int)
    per_day: dict[dt.date, int] = defaultdict(int)
    for metric, day, total in rows:
        if day >= start.date():
            per_metric[metric] += total
        if metric in MONTHLY_METRICS:
            per_day[day] += total
    lines = []
    for metric in (Metric.ORDERS, Metric.BOOKINGS, Metric.NOTIFICATIONS, Metric.ACTIVE_CLIENTS):
        used = per_metric[metric]
        quota = None if metric in REPORTED_METRICS else plan.quota(metric)
        if quota is None:
            percent, level = 0, "ok"
        else:
            percent = min(100, used * 100 // quota) if quota else 100
            level = (
                "over"
                if used >= quota
                else "warning"
                if used * WARNING_DENOMINATOR >= quota * WARNING_NUMERATOR
                else "ok"
            )
        lines.append(MeterLine(metric, str(Metric(metric).label), used, quota, percent, level))
    points = [
        (
            date_format(first_day + dt.timedelta(days=d), "MONTH_DAY_FORMAT"),
            per_day.get(first_day + dt.timedelta(days=d), 0),
        )
        for d in range(CHART_DAYS)
    ]
    return UsageReport(
        plan=plan, period_start=start, period_end=end, lines=lines, daily=bar_chart(points)
    )


def mrr() -> dict[str, Decimal]:
    """Monthly recurring revenue per currency: the monthly price of every paying subscription
    (active or past due, through Stripe)."""
    totals = (
        Subscription.objects.filter(
            status__in=(Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
        )
        .exclude(stripe_subscription_id="")
        .values_list("plan__currency")
        .annotate(total=Sum("plan__monthly_price"))
    )
    return {currency: total for currency, total in totals if total}


def overage_to_date(*, now: dt.datetime | None = None) -> dict[str, Decimal]:
    """Per currency, what paying subscriptions owe this month so far beyond their plans'
    quotas (usage above each monthly quota times the plan's price per unit): the variable part
    of revenue, next to MRR. Two queries."""
    start, end = month_bounds(now or timezone.now())
    paying = {
        sub.tenant_id: sub.plan
        for sub in Subscription.objects.filter(
            status__in=(Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
        )
        .exclude(stripe_subscription_id="")
        .select_related("plan")
    }
    used = (
        UsageEvent.objects.filter(
            tenant_id__in=paying, metric__in=MONTHLY_METRICS,
            occurred_at__gte=start, occurred_at__lt=end,
        )
        .values_list("tenant_id", "metric")
        .annotate(total=Sum("quantity"))
    )  # fmt: skip
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for tenant_id, metric, total in used:
        plan = paying[tenant_id]
        quota = plan.quota(metric)
        if quota is not None and total > quota:
            totals[plan.currency] += (total - quota) * plan.overage_price(metric)
    return {currency: amount for currency, amount in totals.items() if amount}


def paying_count() -> int:
    return (
        Subscription.objects.filter(status=Subscription.Status.ACTIVE)
        .exclude(stripe_subscription_id="")
        .count()
    )
