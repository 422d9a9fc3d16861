import pytest
from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from billing import usage
from billing.models import UsageEvent


class BusinessEventFailed(Exception):
    pass


def test_an_event_is_recorded_once_per_idempotency_key(hotel):
    # given
    with tenant_context(hotel):
        first = usage.record("orders", 2, idempotency_key="order:1")

        # when
        again = usage.record("orders", 2, idempotency_key="order:1")

    # then
    assert (first, again) == (True, False)
    event = UsageEvent.objects.get()
    assert (event.tenant_id, event.metric, event.quantity) == (hotel.pk, "orders", 2)
    assert event.idempotency_key == "order:1"
    assert event.flushed_at is None


def test_the_same_key_for_another_metric_is_another_event(hotel):
    with tenant_context(hotel):
        assert usage.record("orders", idempotency_key="order:1")
        assert usage.record("notifications", idempotency_key="order:1")

    assert UsageEvent.objects.count() == 2


def test_a_duplicate_inside_an_outer_transaction_leaves_it_usable(hotel):
    # given
    with tenant_context(hotel), transaction.atomic():
        usage.record("bookings", idempotency_key="booking:7")

        # when
        duplicate = usage.record("bookings", idempotency_key="booking:7")

        # then: the transaction still answers queries and takes writes
        assert duplicate is False
        assert usage.record("bookings", idempotency_key="booking:8") is True
        assert usage.period_usage("bookings") == 2


def place_order_that_fails() -> None:
    with transaction.atomic():
        usage.record("orders", idempotency_key="order:9")
        raise BusinessEventFailed


def test_the_event_rolls_back_with_the_business_event(hotel):
    # given / when
    with tenant_context(hotel), pytest.raises(BusinessEventFailed):
        place_order_that_fails()

    # then
    assert not UsageEvent.objects.exists()


@pytest.mark.parametrize(
    ("metric", "quantity", "key", "error"),
    [
        ("seats", 1, "k", "unknown usage metric"),
        ("", 1, "k", "unknown usage metric"),
        ("orders", 0, "k", "between 1 and 1000000"),
        ("orders", -1, "k", "between 1 and 1000000"),
        ("orders", 1_000_001, "k", "between 1 and 1000000"),
        ("orders", 1.5, "k", "must be an int"),
        ("orders", True, "k", "must be an int"),
        ("orders", 1, "", "non-empty idempotency key"),
        ("orders", 1, "k" * 201, "longer than 200"),
    ],
)
def test_bad_input_raises_and_writes_nothing(hotel, metric, quantity, key, error):
    with tenant_context(hotel), pytest.raises(ValueError, match=error):
        usage.record(metric, quantity, idempotency_key=key)

    assert not UsageEvent.objects.exists()


def test_the_largest_allowed_quantity_is_recorded(hotel):
    with tenant_context(hotel):
        assert usage.record("notifications", 1_000_000, idempotency_key="bulk")


def test_it_refuses_the_public_schema_without_a_tenant(db):
    with pytest.raises(ValueError, match="public schema"):
        usage.record("orders", idempotency_key="order:1")

    assert not UsageEvent.objects.exists()


def test_a_caller_in_public_may_name_the_tenant(hotel):
    assert usage.record("orders", idempotency_key="order:1", tenant=hotel)

    assert UsageEvent.objects.get().tenant_id == hotel.pk


def test_a_tenant_cannot_record_usage_for_another(hotel, shop):
    with tenant_context(hotel), pytest.raises(ValueError, match="shop"):
        usage.record("orders", idempotency_key="order:1", tenant=shop)

    assert not UsageEvent.objects.exists()


def test_events_belong_to_the_tenant_they_were_recorded_in(hotel, shop):
    # given: the same key in two tenants is two events
    with tenant_context(hotel):
        assert usage.record("orders", 3, idempotency_key="order:1")
    with tenant_context(shop):
        assert usage.record("orders", 5, idempotency_key="order:1")

    # when
    with tenant_context(hotel):
        hotel_orders = usage.period_usage("orders")
    with tenant_context(shop):
        shop_orders = usage.period_usage("orders")

    # then
    assert (hotel_orders, shop_orders) == (3, 5)
    assert set(UsageEvent.objects.values_list("tenant_id", "quantity")) == {
        (hotel.pk, 3),
        (shop.pk, 5),
    }


def test_a_schema_context_is_enough_to_find_the_tenant(hotel):
    # given: schema_context (as in a management command) knows only the schema's name
    with schema_context(hotel.schema_name):
        # when
        assert usage.record("orders", idempotency_key="order:1")

    # then
    assert UsageEvent.objects.get().tenant_id == hotel.pk


def test_a_schema_without_a_tenant_has_no_one_to_bill(db):
    with schema_context("tpl_base"), pytest.raises(ValueError, match="belongs to no tenant"):
        usage.record("orders", idempotency_key="order:1")

    assert not UsageEvent.objects.exists()
