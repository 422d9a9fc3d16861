import datetime as dt

import pytest
import time_machine
from django_tenants.utils import tenant_context

from billing import usage

JAN_31_LATE = dt.datetime(2031, 1, 31, 23, 59, 30, tzinfo=dt.UTC)
FEB_1_EARLY = dt.datetime(2031, 2, 1, 0, 0, 30, tzinfo=dt.UTC)


def test_period_usage_counts_only_the_current_calendar_month(hotel):
    # given: three orders on the last evening of January, two just after midnight
    with tenant_context(hotel):
        with time_machine.travel(JAN_31_LATE, tick=False):
            usage.record("orders", 3, idempotency_key="order:jan")
        with time_machine.travel(FEB_1_EARLY, tick=False):
            usage.record("orders", 1, idempotency_key="order:feb-1")
            usage.record("orders", 1, idempotency_key="order:feb-2")

            # when
            february = usage.period_usage("orders")
        january = usage.period_usage("orders", now=JAN_31_LATE)
        march = usage.period_usage("orders", now=dt.datetime(2031, 3, 1, tzinfo=dt.UTC))

    # then
    assert (january, february, march) == (3, 2, 0)


def test_period_usage_sums_one_metric(hotel):
    with tenant_context(hotel):
        usage.record("orders", 4, idempotency_key="a")
        usage.record("bookings", 7, idempotency_key="a")

        assert usage.period_usage("orders") == 4
        assert usage.period_usage("notifications") == 0


def test_december_runs_into_the_new_year(hotel):
    with tenant_context(hotel):
        with time_machine.travel(dt.datetime(2030, 12, 31, 22, tzinfo=dt.UTC), tick=False):
            usage.record("bookings", 2, idempotency_key="b")

        assert usage.period_usage("bookings", now=dt.datetime(2030, 12, 1, tzinfo=dt.UTC)) == 2
        assert usage.period_usage("bookings", now=dt.datetime(2031, 1, 1, tzinfo=dt.UTC)) == 0


def test_period_usage_refuses_the_public_schema_and_naive_times(hotel):
    with pytest.raises(ValueError, match="public schema"):
        usage.period_usage("orders")
    with tenant_context(hotel), pytest.raises(ValueError, match="timezone-aware"):
        usage.period_usage("orders", now=dt.datetime(2031, 1, 1))
