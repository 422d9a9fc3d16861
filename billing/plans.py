"""Plans as Stripe knows them: a product per plan, its monthly price, and one metered price per
billed metric on a Billing Meter (free up to the plan's quota, the overage price beyond).
Monthly metrics' meters sum the month's events; gauges' meters (clients, staff seats, storage)
keep the period's last reading, which the cabinets send nightly.

Stripe prices never change, so a plan edited in the control panel gets new prices the next
time it is synced; the subscriptions already on the old prices keep them until they change plan.
Every call is keyed by the plan's content, so a sync that is repeated or crashes half way
creates nothing twice.
"""

import hashlib
import json

from billing import gateway
from billing.models import BILLED_METRICS, GAUGE_METRICS, BillingMeter, Metric, Plan
from tenants.money import money

EVENT_NAME_PREFIX = "kabinet_"


def plan_signature(plan: Plan) -> str:
    """A digest of everything Stripe's copy of the plan depends on."""
    fields = {
        "price": str(plan.monthly_price),
        "currency": plan.currency,
        **{m: [plan.quota(m), str(plan.overage_price(m))] for m in sorted(BILLED_METRICS)},
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]


def meters_ensure() -> dict[str, str]:
    """metric → Stripe meter id, creating the meters Stripe does not have yet."""
    known = dict(BillingMeter.objects.values_list("metric", "stripe_meter_id"))
    missing = [m for m in sorted(BILLED_METRICS) if m not in known]
    if missing:
        existing = gateway.meters_by_event_name()
        for metric in missing:
            event_name = f"{EVENT_NAME_PREFIX}{metric}"
            meter_id = existing.get(event_name) or gateway.meter_create(
                event_name=event_name,
                display_name=f"Kabinet {Metric(metric).label}",
                formula="last" if metric in GAUGE_METRICS else "sum",
            )
            BillingMeter.objects.get_or_create(
                metric=metric, defaults={"event_name": event_name, "stripe_meter_id": meter_id}
            )
            known[metric] = meter_id
    return known


def plan_sync(plan: Plan) -> Plan:
    """Make sure Stripe has the plan as it is now; returns the plan with its Stripe ids."""
    signature = plan_signature(plan)
    if plan.stripe_signature == signature and plan.stripe_price_id:
        return plan
    meters = meters_ensure()
    product = plan.stripe_product_id or gateway.product_create(code=plan.code, name=plan.name)
    price = gateway.price_create_monthly(
        product=product,
        amount=plan.monthly_price,
        currency=plan.currency,
        label=f"{plan.name} — {money(plan.monthly_price, plan.currency, language='en')} / month",
        version=signature,
    )
    metered = {}
    for metric in sorted(BILLED_METRICS):
        overage = plan.overage_price(metric)
        if not overage:
            continue  # nothing to bill beyond the quota (the limit stops it, or it is unlimited)
        metered[metric] = gateway.price_create_metered(
            product=product,
            meter=meters[metric],
            included=plan.quota(metric),
            overage=overage,
            currency=plan.currency,
            label=f"{Metric(metric).label} beyond {plan.quota(metric)}",
            version=signature,
        )
    Plan.objects.filter(pk=plan.pk).update(
        stripe_product_id=product,
        stripe_price_id=price,
        stripe_metered_prices=metered,
        stripe_signature=signature,
    )
    plan.stripe_product_id, plan.stripe_price_id = product, price
    plan.stripe_metered_prices, plan.stripe_signature = metered, signature
    return plan
