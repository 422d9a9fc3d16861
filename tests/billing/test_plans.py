from decimal import Decimal

import pytest
from django.db import IntegrityError

from billing.models import Metric, Plan


def test_three_plans_exist_and_free_is_the_default(db):
    # when
    plans = {plan.code: plan for plan in Plan.objects.all()}

    # then
    assert set(plans) == {"free", "start", "business"}
    assert [p.code for p in Plan.objects.filter(is_default=True)] == ["free"]
    assert plans["free"].monthly_price == Decimal("0.00")
    assert plans["start"].monthly_price > 0
    assert plans["business"].monthly_price > plans["start"].monthly_price
    assert {p.currency for p in plans.values()} == {"EUR"}


def test_the_free_plan_includes_the_documented_quotas(db):
    # given
    free = Plan.objects.get(code="free")

    # then
    assert {metric: free.quota(metric) for metric in Metric.values} == {
        "clients": 100,
        "staff_seats": 2,
        "orders": 200,
        "bookings": 200,
        "notifications": 1000,
        "storage_mb": 500,
        "active_clients": None,  # reported, not billed
    }


def test_only_one_plan_can_be_the_default(db):
    # given
    start = Plan.objects.get(code="start")

    # when / then
    start.is_default = True
    with pytest.raises(IntegrityError, match="billing_plan_one_default"):
        start.save(update_fields=["is_default"])


def test_a_plan_price_cannot_be_negative(db):
    with pytest.raises(IntegrityError, match="billing_plan_price_not_negative"):
        Plan.objects.create(code="odd", name="Odd", monthly_price=Decimal("-1"))
