"""Gauges (clients, staff seats, storage) billed beyond the quota: each cabinet reads its levels
nightly, Stripe keeps the period's last reading, and a plan paid through Stripe lets use go past
a quota that has an overage price (billed) instead of stopping it."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import limits, usage
from billing.metering import usage_flush, usage_reconcile
from billing.models import MeterBatch, Subscription
from billing.plans import plan_sync
from billing.subscriptions import customer_ensure
from cabinet.common.gauges import gauges_count, gauges_report
from tests.billing.factories import plan
from tests.factories import UserFactory


def paying(tenant, code: str = "start") -> Subscription:
    """The tenant pays for `code` through Stripe (its plan synced, so its prices exist)."""
    customer_ensure(tenant)
    Subscription.objects.filter(tenant=tenant).update(
        plan=plan_sync(plan(code)),
        status=Subscription.Status.ACTIVE,
        stripe_subscription_id=f"sub_{tenant.slug}",
    )
    return Subscription.objects.get(tenant=tenant)


def gauge_events(fake, event_name: str) -> list[float]:
    return [
        float(e["payload"]["value"])
        for e in fake.meter_events.values()
        if e["event_name"] == event_name
    ]


def test_a_synced_plan_prices_the_gauges_on_last_reading_meters(db, stripe_fake):
    start = plan_sync(plan("start"))

    assert {"clients", "staff_seats", "storage_mb"} <= set(start.stripe_metered_prices)
    meters = {m["event_name"]: m for m in stripe_fake.of_kind("billing.meter")}
    assert meters["kabinet_clients"]["default_aggregation"] == {"formula": "last"}
    assert meters["kabinet_orders"]["default_aggregation"] == {"formula": "sum"}
    price = stripe_fake.get(start.stripe_metered_prices["clients"], "price")
    assert [tier["up_to"] for tier in price["tiers"]] == [1000, None]  # None: no upper end


def test_the_cabinet_reports_its_own_levels_once_a_day(hotel, shop, stripe_fake):
    paying(hotel)
    paying(shop)
    with tenant_context(hotel):
        UserFactory.create_batch(3)
        UserFactory(is_staff=True)
        UserFactory(is_active=False)  # a closed account is no client
        hotel_levels = gauges_count()
        first = gauges_report()
        again = gauges_report()
    with tenant_context(shop):
        UserFactory()
        shop_levels = gauges_count()

    assert hotel_levels["clients"] == 3
    assert hotel_levels["staff_seats"] == shop_levels["staff_seats"] + 1
    assert shop_levels["clients"] == 1  # the hotel's clients are not the shop's
    assert first == {"clients": True, "staff_seats": True, "storage_mb": True}
    assert again == {"clients": False, "staff_seats": False, "storage_mb": False}
    readings = dict(MeterBatch.objects.filter(tenant=hotel).values_list("metric", "quantity"))
    assert readings["clients"] == 3
    assert not MeterBatch.objects.filter(tenant=shop).exists()


def test_stripe_keeps_the_last_reading_and_the_reconciliation_agrees(hotel, stripe_fake):
    paying(hotel)
    today = timezone.now()
    with tenant_context(hotel):
        usage.gauge_report("clients", 1040, now=today - dt.timedelta(hours=25))
        usage.gauge_report("clients", 1100, now=today)

    report = usage_flush()

    assert report.batches_sent == 2
    assert gauge_events(stripe_fake, "kabinet_clients") == [1040, 1100]
    assert usage_reconcile() == []  # Stripe's "last" is 1100, as the ledger's last reading
    assert usage_flush().batches_sent == 0


def test_a_tenant_without_a_stripe_customer_reports_nothing(hotel, stripe_fake):
    with tenant_context(hotel):
        assert usage.gauge_report("staff_seats", 2) is False
    assert not MeterBatch.objects.filter(tenant=hotel).exists()


@pytest.mark.parametrize(
    ("metric", "level", "error"),
    [
        ("orders", 1, "not a gauge"),
        ("clients", -1, "between 0"),
        ("clients", 1.5, "between 0"),
        ("clients", True, "between 0"),
        ("nope", 1, "unknown usage metric"),
    ],
)
def test_bad_gauge_reports_are_refused(hotel, metric, level, error):
    with tenant_context(hotel), pytest.raises(ValueError, match=error):
        usage.gauge_report(metric, level)


def test_a_paying_tenant_goes_past_a_priced_quota_and_is_told_the_price(hotel, stripe_fake):
    paying(hotel)
    with tenant_context(hotel):
        usage.record("orders", 2000, idempotency_key="busy month")
        orders = limits.check("orders")
        clients = limits.check("clients", current=1000)

    assert (orders.allowed, orders.level) == (True, "warning")
    assert "billed at €0.05." in orders.message  # the one money format (tenants.money)
    assert (clients.allowed, clients.level) == (True, "warning")


def test_the_quota_still_stops_where_nothing_is_billed_beyond_it(hotel, shop, stripe_fake):
    # a trial is not paid through Stripe yet
    customer_ensure(hotel)
    Subscription.objects.filter(tenant=hotel).update(
        plan=plan_sync(plan("start")), status=Subscription.Status.TRIALING
    )
    # the free plan has no overage prices
    paying(shop, "free")
    with tenant_context(hotel):
        usage.record("orders", 2000, idempotency_key="trial month")
        trial = limits.check("orders")
    with tenant_context(shop):
        free = limits.check("clients", current=100)

    assert (trial.allowed, trial.level) == (False, "blocked")
    assert (free.allowed, free.level) == (False, "blocked")
    assert "Upgrade your plan" in free.message


def test_the_price_beyond_the_quota_is_in_the_readers_money_format(hotel, stripe_fake):
    from django.utils import translation

    paying(hotel)
    with tenant_context(hotel), translation.override("ru"):
        usage.record("orders", 2000, idempotency_key="busy month in Russian")
        message = limits.check("orders").message
    assert "0,05\u00a0€" in message
    assert "EUR" not in message
