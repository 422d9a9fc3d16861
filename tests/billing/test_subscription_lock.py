"""Locking a subscription while another transaction changes its plan: the lock waits, then
finds the row with its new plan. Locked together with the joined plan row (the old code),
PostgreSQL re-checks the join against the old plan row after the wait and finds no row at all:
the apply task raised `Subscription.DoesNotExist` and the event stayed pending."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from billing import gateway
from billing.models import Plan, Subscription
from billing.subscriptions import subscription_apply


def _hold_plan_change(subscription_pk: int, plan_pk: int, started: threading.Event) -> None:
    """Another request: changes the plan and holds its transaction open for a moment."""
    try:
        with transaction.atomic():
            Subscription.objects.filter(pk=subscription_pk).update(plan_id=plan_pk)
            started.set()
            time.sleep(0.8)
    finally:
        connection.close()


def _while_the_plan_changes(subscription_pk: int, plan_pk: int, lock) -> object:
    started = threading.Event()
    other = threading.Thread(target=_hold_plan_change, args=(subscription_pk, plan_pk, started))
    other.start()
    assert started.wait(10)
    try:
        return lock()
    finally:
        other.join()


@pytest.fixture
def subscription(committed_tenant) -> Subscription:
    sub = Subscription.objects.get(tenant=committed_tenant)
    Subscription.objects.filter(pk=sub.pk).update(plan=Plan.objects.get(code="start"))
    return sub


def _old_lock(pk: int) -> Subscription | None:
    with transaction.atomic():
        return Subscription.objects.select_for_update().select_related("plan").filter(pk=pk).first()


def test_the_old_lock_with_the_joined_plan_finds_no_row_after_the_wait(subscription):
    # given a transaction that moved the subscription to Business and has not committed yet
    business = Plan.objects.get(code="business")
    # when the row is locked together with its plan (the old code)
    found = _while_the_plan_changes(
        subscription.pk, business.pk, lambda: _old_lock(subscription.pk)
    )
    # then PostgreSQL's re-check of the join came back empty
    assert found is None


def test_locking_only_the_row_but_still_joining_the_plan_finds_no_row_either(subscription):
    """Why the apply locks the row without the join: `of=("self",)` stops locking the plan row
    (tenants on one plan no longer queue behind each other), but PostgreSQL still re-checks the
    join with the plan row it read before the wait, which no longer matches the new plan_id."""
    business = Plan.objects.get(code="business")

    def lock_self_with_join() -> Subscription | None:
        with transaction.atomic():
            return (
                Subscription.objects.select_for_update(of=("self",))
                .select_related("plan")
                .filter(pk=subscription.pk)
                .first()
            )

    assert _while_the_plan_changes(subscription.pk, business.pk, lock_self_with_join) is None


def test_the_apply_waits_for_the_plan_change_and_finds_the_row(subscription):
    # given the same plan change held open, and Stripe reporting the subscription active
    business = Plan.objects.get(code="business")
    now = dt.datetime.now(dt.UTC)
    current = gateway.StripeSubscription(
        id="sub_lock", status="active", price_ids=frozenset(), product_ids=frozenset(),
        current_period_start=now, current_period_end=now + dt.timedelta(days=30),
        cancel_at_period_end=False,
    )  # fmt: skip
    # when the apply locks the row meanwhile
    result = _while_the_plan_changes(
        subscription.pk, business.pk, lambda: subscription_apply(subscription.pk, current)
    )
    # then it found the row, with the plan the other transaction committed
    assert (result.status, result.plan) == ("active", "business")
    assert Subscription.objects.get(pk=subscription.pk).stripe_subscription_id == "sub_lock"
