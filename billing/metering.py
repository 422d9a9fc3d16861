"""From the usage ledger to Stripe Billing Meters, exactly once; and the nightly reconciliation.

A flush has two steps:

1. freeze — in one transaction, claim the unflushed ledger rows (`FOR UPDATE SKIP LOCKED`, so
   concurrent flushes take different rows), sum them per tenant and metric into `MeterBatch`
   rows whose identifier is derived from their content, and stamp the rows `flushed_at`;
2. send — outside any transaction, send each unsent batch as one meter event carrying its
   identifier, and stamp it `sent_at`.

A flush killed between or during the steps leaves batches unsent; the next flush sends them
again with the same identifiers, and Stripe counts an identifier once. A row is in at most one
batch (the claim is one transaction), so nothing is counted twice and nothing is lost.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from billing import gateway
from billing.models import (
    BILLED_METRICS,
    GAUGE_METRICS,
    MONTHLY_METRICS,
    BillingMeter,
    MeterBatch,
    Subscription,
    UsageCheck,
    UsageEvent,
)
from billing.plans import meters_ensure
from billing.usage import month_bounds

log = logging.getLogger(__name__)

FREEZE_LIMIT = 20_000  # ledger rows claimed per transaction
# Stripe accepts meter events from the last 35 days; older batches are sent as of now.
OLDEST_TIMESTAMP = dt.timedelta(days=34)


@dataclass(frozen=True)
class FlushReport:
    frozen_rows: int
    batches_sent: int
    units_sent: int
    failures: int


def usage_flush(*, limit: int = FREEZE_LIMIT) -> FlushReport:
    if not gateway.is_configured():
        return FlushReport(0, 0, 0, 0)
    frozen = usage_freeze(limit=limit)
    sent = units = failures = 0
    meters = dict(BillingMeter.objects.values_list("metric", "event_name"))
    if MeterBatch.objects.filter(sent_at__isnull=True).exists() and len(meters) < len(
        BILLED_METRICS
    ):
        meters_ensure()
        meters = dict(BillingMeter.objects.values_list("metric", "event_name"))
    for batch in MeterBatch.objects.filter(sent_at__isnull=True).order_by("pk"):
        try:
            batch_send(batch, event_name=meters[batch.metric])
        except gateway.StripeFailure as exc:
            failures += 1
            MeterBatch.objects.filter(pk=batch.pk).update(
                attempts=batch.attempts + 1, last_error=str(exc)[:500]
            )
            log.warning("meter batch %s not sent: %s", batch.identifier, exc)
            if failures >= 3:
                break  # Stripe is struggling: the next flush tries again
            continue
        sent += 1
        units += batch.quantity
    return FlushReport(frozen, sent, units, failures)


def usage_freeze(*, limit: int = FREEZE_LIMIT) -> int:
    """Step 1: claim up to `limit` unflushed rows of billable tenants into batches. Returns the
    number of rows claimed."""
    now = timezone.now()
    usage, sub = UsageEvent._meta.db_table, Subscription._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH picked AS (
                SELECT u.id, u.tenant_id, u.metric, u.quantity, u.occurred_at
                FROM {usage} u
                WHERE u.flushed_at IS NULL AND u.metric = ANY(%s)
                  AND u.tenant_id IN (SELECT tenant_id FROM {sub} WHERE stripe_customer_id <> '')
                ORDER BY u.id
                LIMIT %s
                FOR UPDATE OF u SKIP LOCKED
            )
            SELECT p.tenant_id, p.metric, SUM(p.quantity), MAX(p.occurred_at), MIN(p.id),
                   ARRAY_AGG(p.id), s.stripe_customer_id
            FROM picked p JOIN {sub} s ON s.tenant_id = p.tenant_id
            GROUP BY p.tenant_id, p.metric, s.stripe_customer_id
            """,  # noqa: S608 (table names from the models)
            [sorted(MONTHLY_METRICS), limit],
        )
        groups = cursor.fetchall()
        if not groups:
            return 0
        batches = MeterBatch.objects.bulk_create(
            [
                MeterBatch(
                    tenant_id=tenant_id,
                    metric=metric,
                    quantity=total,
                    # Content-derived: the first ledger row of a batch belongs to no other.
                    identifier=f"kabinet-{tenant_id}-{metric}-{first_id}",
                    customer_id=customer,
                    occurred_at=newest,
                    created_at=now,
                )
                for tenant_id, metric, total, newest, first_id, _ids, customer in groups
            ]
        )
        claimed = 0
        for batch, (*_rest, ids, _customer) in zip(batches, groups, strict=True):
            cursor.execute(
                f"UPDATE {usage} SET batch_id = %s, flushed_at = %s WHERE id = ANY(%s)",  # noqa: S608
                [batch.pk, now, ids],
            )
            claimed += len(ids)
        return claimed


def batch_send(batch: MeterBatch, *, event_name: str) -> None:
    """Step 2 for one batch: one meter event, then `sent_at`. Never inside a transaction."""
    timestamp = max(batch.occurred_at, timezone.now() - OLDEST_TIMESTAMP)
    gateway.meter_event_send(
        event_name=event_name,
        customer=batch.customer_id,
        value=batch.quantity,
        identifier=batch.identifier,
        timestamp=timestamp,
    )
    MeterBatch.objects.filter(pk=batch.pk).update(
        sent_at=timezone.now(), attempts=batch.attempts + 1, last_error=""
    )


@dataclass(frozen=True)
class Drift:
    tenant_id: int
    metric: str
    ledger: int
    stripe: Decimal


def usage_reconcile(*, now: dt.datetime | None = None) -> list[Drift]:
    """Compare, for this month so far, what the ledger sent with what Stripe's meter event
    summaries hold, per tenant and meter. Each result is kept (`UsageCheck`, shown on the
    control panel's tenant page); each difference is also logged as a warning (and so reaches
    Sentry) and returned."""
    if not gateway.is_configured():
        return []
    now = now or timezone.now()
    start, _end = month_bounds(now)
    meters = dict(BillingMeter.objects.values_list("metric", "stripe_meter_id"))
    month_sent = MeterBatch.objects.filter(
        sent_at__isnull=False, occurred_at__gte=start, occurred_at__lt=now
    )
    # Monthly metrics: the month's batches add up. Gauges: Stripe keeps the last reading.
    sent = {
        (row["tenant_id"], row["metric"]): row["total"]
        for row in month_sent.filter(metric__in=MONTHLY_METRICS)
        .values("tenant_id", "metric")
        .annotate(total=Sum("quantity"))
    }
    sent.update(
        ((tenant_id, metric), level)
        for tenant_id, metric, level in month_sent.filter(metric__in=GAUGE_METRICS)
        .order_by("tenant_id", "metric", "-occurred_at")
        .distinct("tenant_id", "metric")
        .values_list("tenant_id", "metric", "quantity")
    )
    customers = dict(
        Subscription.objects.exclude(stripe_customer_id="").values_list(
            "tenant_id", "stripe_customer_id"
        )
    )
    drifts = []
    for tenant_id, customer in customers.items():
        for metric, meter in meters.items():
            ledger = sent.get((tenant_id, metric), 0)
            # Stripe's summaries are in whole minutes: widen the window to the next minute.
            end = (now + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
            stripe_total = gateway.meter_total(meter=meter, customer=customer, start=start, end=end)
            UsageCheck.objects.update_or_create(
                tenant_id=tenant_id, metric=metric,
                defaults={"ledger": ledger, "stripe": stripe_total, "checked_at": now},
            )  # fmt: skip
            if stripe_total != ledger:
                drift = Drift(tenant_id, metric, ledger, stripe_total)
                log.warning("usage drift: %s", drift)
                drifts.append(drift)
    return drifts
