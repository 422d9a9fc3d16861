"""The plan's limits where clients meet them: orders, bookings and registration stop at 100 %
with a clear answer, never a 500, and nothing is half-done."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing import limits, usage
from billing.models import Subscription
from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import booking_create
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.orders.models import Order
from tests.factories import UserFactory


@pytest.fixture
def on_free_plan(hotel):
    Subscription.objects.filter(tenant=hotel).delete()  # trial over: the Free plan's quotas


def fill(metric: str, quantity: int) -> None:
    usage.record(metric, quantity, idempotency_key=f"fill:{metric}")


def test_an_order_beyond_the_monthly_quota_is_refused_and_nothing_is_saved(hotel, on_free_plan):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        item = (
            CatalogItem.objects.filter(is_active=True, price=0).first()
            or CatalogItem.objects.first()
        )
        fill("orders", 200)
        with pytest.raises(ValidationError) as refused:
            order_place(client=client, wanted={item.pk: 1}, payment="on_site", submission_key="k1")
        assert refused.value.messages == [str(limits.CLIENT_REFUSAL)]
        assert not Order.objects.filter(client=client).exists()


def test_a_booking_beyond_the_monthly_quota_is_refused(hotel, on_free_plan):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory())
        event = Event.objects.create(
            title="Sunset cruise",
            starts_at=timezone.now() + dt.timedelta(days=3),
            ends_at=timezone.now() + dt.timedelta(days=3, hours=2),
            capacity=10,
        )
        fill("bookings", 200)
        with pytest.raises(ValidationError):
            booking_create(event=event, client=client)
        assert not Booking.objects.filter(event=event).exists()


def test_registration_closes_when_the_plan_has_no_room_for_another_client(
    hotel, hotel_client, on_free_plan
):
    assert hotel_client.get("/accounts/signup/").status_code == 200
    with tenant_context(hotel):
        UserFactory.create_batch(100)
    response = hotel_client.get("/accounts/signup/")
    assert response.status_code == 200
    assert b"closed" in response.content.lower()
