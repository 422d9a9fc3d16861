"""Billing's tasks: platform-level (they run in `public`), idempotent, retried with back-off when
Stripe cannot be reached."""

import logging

from celery import shared_task

from billing import gateway

log = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (gateway.StripeFailure,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="billing.open_customer", platform_level=True, acks_late=True, **RETRY)
def open_customer(tenant_id: int) -> str:
    """The tenant's Stripe customer, opened once (repeats get the same customer)."""
    from billing.subscriptions import customer_ensure
    from tenants.models import Tenant

    return customer_ensure(Tenant.objects.get(pk=tenant_id))


@shared_task(
    name="billing.apply_stripe_event",
    platform_level=True,
    acks_late=True,
    # Any error, not only Stripe's (a lock conflict, a database blip): an event must not stay
    # pending. Past the retries, the sweep below applies it again and reports it if it stays.
    **{**RETRY, "autoretry_for": (Exception,)},
)
def apply_stripe_event(event_pk: int) -> str:
    from billing.webhooks import stripe_event_apply

    return stripe_event_apply(event_pk)


@shared_task(name="billing.sweep_stripe_events", platform_level=True, acks_late=True)
def sweep_stripe_events() -> dict[str, int]:
    from billing.webhooks import stripe_events_sweep

    report = stripe_events_sweep()
    return {
        "applied": report.applied,
        "pending": report.pending,
        "failed": report.failed,
        "alerted": report.alerted,
    }


@shared_task(name="billing.flush_usage", platform_level=True, acks_late=True)
def flush_usage() -> dict[str, int]:
    from billing.metering import usage_flush

    report = usage_flush()
    return {
        "frozen_rows": report.frozen_rows,
        "batches_sent": report.batches_sent,
        "units_sent": report.units_sent,
        "failures": report.failures,
    }


@shared_task(name="billing.reconcile_usage", platform_level=True, acks_late=True, **RETRY)
def reconcile_usage() -> int:
    from billing.metering import usage_reconcile

    return len(usage_reconcile())


@shared_task(name="billing.advance_dunning", platform_level=True, acks_late=True)
def advance_dunning() -> list[tuple[str, str]]:
    from billing.subscriptions import dunning_advance

    return dunning_advance()


@shared_task(name="billing.sync_plan", platform_level=True, acks_late=True, **RETRY)
def sync_plan(plan_id: int) -> str:
    from billing.models import Plan
    from billing.plans import plan_sync

    return plan_sync(Plan.objects.get(pk=plan_id)).stripe_price_id
