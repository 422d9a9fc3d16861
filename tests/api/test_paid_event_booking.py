"""A paid event is never booked without payment, by the API or by a page: the API answers 402
with the checkout to pay at, and a paid event's waitlist is closed (a promoted place would be
confirmed unpaid); a free event still books at once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.checkout.models import Checkout
from tests.factories import UserFactory


def an_event(**fields) -> Event:
    start = timezone.now() + dt.timedelta(days=3)
    return Event.objects.create(title="Boat trip", starts_at=start,
                                ends_at=start + dt.timedelta(hours=2), **fields)  # fmt: skip


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        return ClientProfile.objects.create(user=UserFactory())


def api_for(hotel, guest) -> APIClient:
    api = APIClient(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        api.force_authenticate(guest.user)
    return api


def test_the_api_sends_a_paid_booking_to_its_checkout(hotel, guest):
    with tenant_context(hotel):
        event = an_event(price=Decimal("25.00"), capacity=5)
    response = api_for(hotel, guest).post(f"/api/v1/events/{event.pk}/bookings/", {"seats": 2},
                                          format="json")  # fmt: skip
    assert response.status_code == 402
    body = response.json()
    assert "/checkout/" in body["checkout_url"]
    with tenant_context(hotel):
        assert not Booking.objects.filter(event=event).exists()
        checkout = Checkout.objects.get(client=guest)
        assert (checkout.event_id, checkout.seats) == (event.pk, 2)


def test_a_paid_events_waitlist_is_closed(hotel, guest):
    with tenant_context(hotel):
        event = an_event(price=Decimal("25.00"), capacity=0)
    api = api_for(hotel, guest)
    response = api.post(f"/api/v1/events/{event.pk}/bookings/", {"waitlist": True}, format="json")
    assert response.status_code == 409
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(guest.user)
    browser.post(f"/events/{event.pk}/book/", {"waitlist": "1", "seats": "1"})
    with tenant_context(hotel):
        assert not Booking.objects.filter(event=event).exists()


def test_a_free_event_still_books_at_once(hotel, guest):
    with tenant_context(hotel):
        event = an_event(capacity=5)
    response = api_for(hotel, guest).post(f"/api/v1/events/{event.pk}/bookings/", {"seats": 1},
                                          format="json")  # fmt: skip
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
