import pytest
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context

from billing import limits, usage
from billing.models import Subscription
from tests.billing.factories import SubscriptionFactory, plan


@pytest.fixture(autouse=True)
def _trials_over(db):
    """Every new tenant starts on a trial of the Business plan; these tests start from a tenant
    whose trial is over (on the default plan) and subscribe it where they need another plan."""
    Subscription.objects.all().delete()


def use(metric: str, quantity: int) -> None:
    usage.record(metric, quantity, idempotency_key=f"{metric}:{quantity}")


def test_a_tenant_without_a_subscription_is_on_the_default_plan(hotel):
    with tenant_context(hotel):
        verdict = limits.check("staff_seats", current=0)

    assert verdict == limits.LimitVerdict(
        allowed=True, level="ok", used=0, limit=2, message="", upgrade_url="/staff/billing/"
    )
    assert limits.plan_for(hotel).code == "free"


@pytest.mark.parametrize(
    ("metric", "limit"),
    [("orders", 200), ("bookings", 200), ("notifications", 1000)],
)
def test_monthly_metrics_count_this_months_ledger(hotel, metric, limit):
    # given
    with tenant_context(hotel):
        use(metric, 10)

        # when
        verdict = limits.check(metric)

    # then
    assert (verdict.allowed, verdict.level, verdict.used, verdict.limit) == (
        True,
        "ok",
        10,
        limit,
    )


def test_a_warning_from_80_percent_after_adding(hotel):
    # given: 158 of 200 orders used
    with tenant_context(hotel):
        use("orders", 158)

        # when
        below = limits.check("orders")  # 159 of 200 after this order
        at = limits.check("orders", adding=2)  # 160 of 200

    # then
    assert below.level == "ok"
    assert (at.allowed, at.level, at.used, at.limit) == (True, "warning", 158, 200)
    assert at.message == (
        "You have used 80% of your “Free” plan (orders per month: 160 of 200). "
        "Upgrade your plan before you reach the limit."
    )
    assert at.upgrade_url == "/staff/billing/"


def test_the_last_unit_is_allowed_and_the_next_blocked(hotel):
    # given
    with tenant_context(hotel):
        use("bookings", 199)
        last = limits.check("bookings")
        use("bookings", 1)

        # when
        next_one = limits.check("bookings")

    # then
    assert (last.allowed, last.level) == (True, "warning")
    assert (next_one.allowed, next_one.level, next_one.used) == (False, "blocked", 200)
    assert next_one.message == (
        "You have reached the limit of your “Free” plan (bookings per month: 200). "
        "Upgrade your plan to add more."
    )
    assert next_one.upgrade_url == "/staff/billing/"


def test_an_addition_that_would_go_over_is_blocked_before_the_limit(hotel):
    with tenant_context(hotel):
        verdict = limits.check("storage_mb", current=450, adding=60)

    assert (verdict.allowed, verdict.level, verdict.used, verdict.limit) == (
        False,
        "blocked",
        450,
        500,
    )
    assert "would go over" in verdict.message
    assert "“Free”" in verdict.message


def test_staff_seats_on_the_default_plan(hotel):
    with tenant_context(hotel):
        second = limits.check("staff_seats", current=1)
        third = limits.check("staff_seats", current=2)

    assert (second.allowed, second.level) == (True, "warning")
    assert (third.allowed, third.level, third.limit) == (False, "blocked", 2)
    assert "staff seats: 2" in third.message


def test_the_message_is_in_the_active_language(hotel):
    # given: a language without a translation for these words still gets a whole sentence
    with tenant_context(hotel), translation.override("ru"):
        verdict = limits.check("staff_seats", current=2)

    assert verdict.message
    assert "%(" not in verdict.message


@pytest.mark.parametrize("metric", ["clients", "staff_seats", "storage_mb"])
def test_a_gauge_needs_the_callers_count(hotel, metric):
    with tenant_context(hotel), pytest.raises(ValueError, match="current="):
        limits.check(metric)


def test_a_monthly_metric_refuses_a_callers_count(hotel):
    with tenant_context(hotel), pytest.raises(ValueError, match="usage ledger"):
        limits.check("orders", current=3)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"metric": "seats", "current": 1}, "unknown usage metric"),
        ({"metric": "clients", "current": -1}, "current must be"),
        ({"metric": "clients", "current": 1, "adding": -1}, "adding must be"),
        ({"metric": "orders", "adding": 1.5}, "adding must be"),
    ],
)
def test_bad_input_raises(hotel, kwargs, error):
    with tenant_context(hotel), pytest.raises(ValueError, match=error):
        limits.check(**kwargs)


def test_it_refuses_the_public_schema_without_a_tenant(hotel):
    with pytest.raises(ValueError, match="public schema"):
        limits.check("staff_seats", current=0)

    assert limits.check("staff_seats", current=0, tenant=hotel).limit == 2


def test_an_unlimited_quota_is_always_ok(hotel):
    # given: Business includes unlimited clients and orders
    SubscriptionFactory(tenant=hotel, plan=plan("business"))
    with tenant_context(hotel):
        use("orders", 1_000_000)

        # when
        orders = limits.check("orders", adding=1_000_000)
        clients = limits.check("clients", current=10**9)

    # then
    assert (orders.allowed, orders.level, orders.used, orders.limit) == (
        True,
        "ok",
        1_000_000,
        None,
    )
    assert (clients.allowed, clients.level, clients.limit, clients.message) == (
        True,
        "ok",
        None,
        "",
    )


def test_a_subscription_brings_its_plans_limits_to_that_tenant_only(hotel, shop):
    # given: hotel subscribes to Start (5 staff seats); shop stays on Free (2)
    SubscriptionFactory(tenant=hotel, plan=plan("start"))

    # when
    with tenant_context(hotel):
        hotel_verdict = limits.check("staff_seats", current=2)
    with tenant_context(shop):
        shop_verdict = limits.check("staff_seats", current=2)

    # then
    assert (hotel_verdict.allowed, hotel_verdict.limit) == (True, 5)
    assert (shop_verdict.allowed, shop_verdict.limit) == (False, 2)
    assert "“Free”" in shop_verdict.message


def test_a_cancelled_subscription_falls_back_to_the_default_plan(hotel):
    SubscriptionFactory(tenant=hotel, plan=plan("business"), status=Subscription.Status.CANCELED)

    assert limits.plan_for(hotel).code == "free"


def test_a_plan_change_applies_to_the_next_check(hotel):
    # given
    subscription = SubscriptionFactory(tenant=hotel, plan=plan("start"))
    with tenant_context(hotel):
        before = limits.check("staff_seats", current=5)

        # when
        subscription.plan = plan("business")
        subscription.save(update_fields=["plan"])
        after = limits.check("staff_seats", current=5)

    # then
    assert (before.allowed, after.allowed) == (False, True)


def test_check_queries_are_bounded(hotel, django_assert_max_num_queries):
    # given
    SubscriptionFactory(tenant=hotel, plan=plan("start"))
    with tenant_context(hotel):
        use("orders", 5)  # the ledger is named with its schema: no search path set here
        usage.period_usage("orders")  # the search path is set here, not counted below

        # when / then: plan and usage
        with django_assert_max_num_queries(2):
            limits.check("orders")
        with django_assert_max_num_queries(1):
            limits.check("staff_seats", current=1)

    # when / then: the tenant by its schema's name, plan and usage
    with schema_context(hotel.schema_name):
        usage.period_usage("orders")  # the search path is set here, not counted below
        with django_assert_max_num_queries(3):
            limits.check("orders")
