"""Usage reaches Stripe's meters exactly once: across repeated flushes, a Stripe outage, and a
flush that dies after Stripe took the event but before we recorded it."""

from decimal import Decimal

from django.test import Client
from django_tenants.utils import tenant_context

from billing import usage
from billing.metering import batch_send, usage_flush, usage_freeze, usage_reconcile
from billing.models import BillingMeter, MeterBatch, UsageCheck, UsageEvent
from billing.plans import meters_ensure
from billing.subscriptions import customer_ensure
from tests.control.test_control_panel import make_admin


def record(tenant, metric: str, n: int, prefix: str = "e") -> None:
    with tenant_context(tenant):
        for i in range(n):
            usage.record(metric, idempotency_key=f"{prefix}:{metric}:{i}")


def meter_posts(fake) -> list[dict]:
    return [r for r in fake.requests if r["path"] == "/v1/billing/meter_events"]


def stripe_totals(fake, customer: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for event in fake.meter_events.values():
        if event["payload"]["stripe_customer_id"] == customer:
            name = event["event_name"]
            totals[name] = totals.get(name, 0) + float(event["payload"]["value"])
    return totals


def test_a_flush_sends_one_meter_event_per_tenant_and_metric(hotel, shop, stripe_fake):
    hotel_customer, shop_customer = customer_ensure(hotel), customer_ensure(shop)
    record(hotel, "orders", 3)
    record(hotel, "bookings", 2)
    record(shop, "orders", 4)

    report = usage_flush()

    assert (report.frozen_rows, report.batches_sent, report.units_sent) == (9, 3, 9)
    assert stripe_totals(stripe_fake, hotel_customer) == {
        "kabinet_orders": 3, "kabinet_bookings": 2,
    }  # fmt: skip
    assert stripe_totals(stripe_fake, shop_customer) == {"kabinet_orders": 4}
    identifiers = {r["params"]["identifier"] for r in meter_posts(stripe_fake)}
    assert all(i.startswith(f"kabinet-{hotel.pk}-") or i.startswith(f"kabinet-{shop.pk}-")
               for i in identifiers)  # fmt: skip
    assert not UsageEvent.objects.filter(flushed_at__isnull=True, tenant__in=[hotel, shop])


def test_flushing_again_sends_nothing_new(hotel, stripe_fake):
    customer_ensure(hotel)
    record(hotel, "orders", 5)
    usage_flush()
    sent = len(meter_posts(stripe_fake))

    again = usage_flush()

    assert (again.frozen_rows, again.batches_sent) == (0, 0)
    assert len(meter_posts(stripe_fake)) == sent


def test_a_flush_that_died_after_stripe_took_the_event_does_not_count_it_twice(hotel, stripe_fake):
    customer = customer_ensure(hotel)
    meters_ensure()
    record(hotel, "orders", 7)
    usage_freeze()
    (batch,) = MeterBatch.objects.filter(tenant=hotel)
    batch_send(batch, event_name="kabinet_orders")
    # … and the worker died before `sent_at` committed:
    MeterBatch.objects.filter(pk=batch.pk).update(sent_at=None)

    report = usage_flush()

    assert report.batches_sent == 1  # sent again, with the same identifier …
    assert [r["params"]["identifier"] for r in meter_posts(stripe_fake)] == [batch.identifier] * 2
    assert stripe_totals(stripe_fake, customer) == {"kabinet_orders": 7}  # … counted once
    assert usage_reconcile() == []


def test_a_stripe_outage_leaves_the_batch_for_the_next_flush(hotel, stripe_fake):
    customer = customer_ensure(hotel)
    meters_ensure()
    record(hotel, "bookings", 4)
    stripe_fake.fail_next = 1000

    failed = usage_flush()

    (batch,) = MeterBatch.objects.filter(tenant=hotel)
    assert (failed.failures, batch.sent_at, batch.attempts) == (1, None, 1)
    assert "fake outage" in batch.last_error
    stripe_fake.fail_next = 0
    recovered = usage_flush()
    assert (recovered.frozen_rows, recovered.batches_sent) == (0, 1)
    assert stripe_totals(stripe_fake, customer) == {"kabinet_bookings": 4}


def test_usage_of_a_tenant_without_a_stripe_customer_waits(hotel, shop, stripe_fake):
    customer_ensure(hotel)
    record(hotel, "orders", 1)
    record(shop, "orders", 2)  # the shop's customer is not opened yet

    usage_flush()

    assert UsageEvent.objects.filter(tenant=shop, flushed_at__isnull=True).count() == 2
    customer_ensure(shop)
    assert usage_flush().units_sent == 2


def test_the_gauges_stay_out_of_the_meters(hotel, stripe_fake):
    customer_ensure(hotel)
    with tenant_context(hotel):
        usage.record("clients", 3, idempotency_key="gauge")
    assert usage_flush().frozen_rows == 0


def test_the_reconciliation_reports_drift(hotel, stripe_fake):
    customer = customer_ensure(hotel)
    record(hotel, "orders", 2)
    usage_flush()
    # Something else reported usage for this customer at Stripe:
    stripe_fake.meter_events["someone-else"] = {
        **next(iter(stripe_fake.meter_events.values())), "identifier": "someone-else",
    }  # fmt: skip

    (drift,) = usage_reconcile()

    assert (drift.tenant_id, drift.metric, drift.ledger, drift.stripe) == (
        hotel.pk, "orders", 2, Decimal(4),
    )  # fmt: skip
    assert customer
    # the result is kept for platform admins, and shown on the tenant's page
    check = UsageCheck.objects.get(tenant=hotel, metric="orders")
    assert (check.ledger, check.drift) == (2, Decimal(2))
    admin, _secret = make_admin()
    browser = Client(HTTP_HOST="localhost")
    browser.force_login(admin)
    page = browser.get(f"/control/tenants/{hotel.pk}/").content.decode()
    assert "drift 2" in page
    assert "in agreement" in page  # the bookings meter agrees


def test_no_stripe_no_flush(hotel, settings):
    settings.STRIPE_API_KEY = ""
    record(hotel, "orders", 1)
    assert usage_flush().frozen_rows == 0
    assert not BillingMeter.objects.exists()
