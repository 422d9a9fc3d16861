"""Billing's public limits interface: may the tenant have one more of something?

    from billing import limits

    verdict = limits.check("staff_seats", current=staff_count)   # gauges: the caller counts
    verdict = limits.check("orders")                              # monthly: billing counts
    if not verdict.allowed:
        return render(request, "...", {"message": verdict.message, "url": verdict.upgrade_url})

A verdict is a value, never an exception: over the limit is a page that says so with an
upgrade link, not a 500. `check` reads and reserves nothing, so two requests racing for the
last unit can both be allowed; a caller that must never overshoot (staff seats) takes its own
lock on what it counts, as it would for any other race.
"""

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext, gettext_lazy

from billing.models import GAUGE_METRICS, Plan, Subscription
from billing.tenancy import billed_tenant
from billing.usage import period_usage, validate_metric
from tenants.models import Tenant
from tenants.money import money

UPGRADE_URL = "/staff/billing/"
# What a client is told when the cabinet's plan refuses what they asked for: the upgrade is the
# owner's business, not theirs.
CLIENT_REFUSAL = gettext_lazy(
    "This cabinet cannot take more of these this month. Please contact the staff."
)
# A warning once use (after the addition) reaches this share of the quota: 4/5 = 80 %.
WARNING_NUMERATOR, WARNING_DENOMINATOR = 4, 5

Level = Literal["ok", "warning", "blocked"]


@dataclass(frozen=True, slots=True)
class LimitVerdict:
    allowed: bool
    level: Level
    used: int  # before the addition: this month's ledger total, or the caller's `current`
    limit: int | None  # None: the plan does not limit this metric
    message: str  # empty when level is "ok"; otherwise in the active language
    upgrade_url: str


def plan_for(tenant: Tenant) -> Plan:
    """The tenant's plan: its subscription's while that is live, else the default plan.
    One query; nothing is cached, so a plan change applies to the next call.

    The plan carries `bills_overage`: True when the tenant pays for it through Stripe now
    (an active subscription), so use beyond a quota that has an overage price can be billed
    instead of stopped."""
    subscribed = Subscription.objects.filter(
        tenant_id=tenant.pk, status__in=Subscription.PLAN_STATUSES
    ).values("plan_id")
    paying = Subscription.objects.filter(
        tenant_id=tenant.pk, plan=OuterRef("pk"), status=Subscription.Status.ACTIVE
    ).exclude(stripe_subscription_id="")
    # The subscribed plan sorts before the default one (False < True).
    plan = (
        Plan.objects.filter(Q(pk__in=subscribed) | Q(is_default=True))
        .annotate(bills_overage=Exists(paying))
        .order_by("is_default")
        .first()
    )
    if plan is None:
        raise ImproperlyConfigured(
            "billing has no default plan: run the billing migrations (0002 creates the plans) "
            "or mark a plan as the default"
        )
    return plan


def check(
    metric: str,
    *,
    adding: int = 1,
    current: int | None = None,
    tenant: Tenant | None = None,
) -> LimitVerdict:
    """Whether the tenant's plan allows `adding` more of `metric`.

    Monthly metrics (orders, bookings, notifications) are counted from this month's usage
    ledger; pass no `current`. Gauges (clients, staff seats, storage in MB) are counted by the
    caller, who owns them: pass `current`, the level now, before the addition.

    Level "blocked" (allowed False) when used + adding would exceed the quota; "warning" when
    it reaches 80 % of it; else "ok". A plan without a quota for the metric is always "ok".
    A quota with an overage price, on a plan the tenant pays for through Stripe, does not stop:
    beyond it the level is "warning", saying what each unit more costs, and Stripe bills it.
    At most three queries (tenant by schema when only the schema is known, plan, usage).
    """
    metric = validate_metric(metric)
    _require_count("adding", adding)
    if metric in GAUGE_METRICS:
        if current is None:
            raise ValueError(f"{metric} is counted by the caller: pass current=")
        _require_count("current", current)
    elif current is not None:
        raise ValueError(f"{metric} is counted from the usage ledger: do not pass current=")

    tenant = billed_tenant(tenant)
    plan = plan_for(tenant)
    used = current if current is not None else period_usage(metric, tenant=tenant)
    limit = plan.quota(metric)

    def verdict(level: Level, message: str = "") -> LimitVerdict:
        return LimitVerdict(
            allowed=level != "blocked",
            level=level,
            used=used,
            limit=limit,
            message=message,
            upgrade_url=UPGRADE_URL,
        )

    if limit is None:
        return verdict("ok")
    after = used + adding
    params = {"plan": plan.name, "label": plan.quota_label(metric), "limit": limit, "used": after}
    if after > limit and _billed_beyond(plan, metric):
        message = gettext(
            "You are beyond the quota of your “%(plan)s” plan (%(label)s: %(limit)s): each one "
            "more is billed at %(price)s. Upgrade your plan if that costs more."
        )
        price = money(plan.overage_price(metric), plan.currency)
        return verdict("warning", message % {**params, "price": price})
    if after > limit:
        if used >= limit:
            message = gettext(
                "You have reached the limit of your “%(plan)s” plan (%(label)s: %(limit)s). "
                "Upgrade your plan to add more."
            )
        else:
            message = gettext(
                "This would go over the limit of your “%(plan)s” plan (%(label)s: %(limit)s). "
                "Upgrade your plan to add more."
            )
        return verdict("blocked", message % params)
    if limit and after * WARNING_DENOMINATOR >= limit * WARNING_NUMERATOR:
        message = gettext(
            "You have used %(percent)s%% of your “%(plan)s” plan (%(label)s: %(used)s of "
            "%(limit)s). Upgrade your plan before you reach the limit."
        )
        return verdict("warning", message % {**params, "percent": after * 100 // limit})
    return verdict("ok")


def _billed_beyond(plan: Plan, metric: str) -> bool:
    """Use beyond the quota is billed: the tenant pays for the plan through Stripe, the plan
    prices the metric beyond its quota, and Stripe has that price (the plan is synced)."""
    return bool(
        getattr(plan, "bills_overage", False)
        and plan.overage_price(metric)
        and metric in plan.stripe_metered_prices
    )


def _require_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of zero or more, not {value!r}")
