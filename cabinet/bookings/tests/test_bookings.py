import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Booking, Event
from cabinet.bookings.services import SoldOut, booking_cancel, booking_create
from rbac.models import User
from tests.factories import UserFactory


def an_event(**fields) -> Event:
    start = timezone.now() + dt.timedelta(days=3)
    return Event.objects.create(
        title="Boat trip", starts_at=start, ends_at=start + dt.timedelta(hours=2), **fields
    )


def a_client(**fields) -> ClientProfile:
    return ClientProfile.objects.create(user=UserFactory(**fields))


def test_booking_until_sold_out_then_the_waitlist_moves_up(hotel):
    with tenant_context(hotel):
        event = an_event(capacity=2)
        first, second, third = a_client(), a_client(), a_client()
        booking_create(event=event, client=first)
        booking_create(event=event, client=second)
        with pytest.raises(SoldOut):
            booking_create(event=event, client=third)
        waiting = booking_create(event=event, client=third, waitlist=True)
        assert waiting.status == Booking.Status.WAITLISTED
        (promoted,) = booking_cancel(booking=Booking.objects.get(client=first))
        assert promoted.pk == waiting.pk
        assert Booking.objects.get(pk=waiting.pk).status == Booking.Status.CONFIRMED


@pytest.mark.parametrize("seats", [0, -1, 11, 1000])
def test_absurd_seat_counts_are_refused(hotel, seats):
    with tenant_context(hotel), pytest.raises(ValidationError):
        booking_create(event=an_event(), client=a_client(), seats=seats)


def test_past_events_and_double_bookings_are_refused(hotel):
    with tenant_context(hotel):
        past = Event.objects.create(
            title="Yesterday", starts_at=timezone.now() - dt.timedelta(days=1),
            ends_at=timezone.now() - dt.timedelta(hours=20),
        )  # fmt: skip
        client = a_client()
        with pytest.raises(ValidationError, match="already started"):
            booking_create(event=past, client=client)
        event = an_event()
        booking_create(event=event, client=client)
        with pytest.raises(ValidationError, match="already"):
            booking_create(event=event, client=client)


def test_a_booking_exports_to_the_calendar_and_is_private(hotel):
    with tenant_context(hotel):
        user = UserFactory()
        booking = booking_create(
            event=an_event(location="Pier 3"), client=ClientProfile.objects.create(user=user)
        )
        other = UserFactory()
    mine = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        mine.force_login(user)
    ics = mine.get(f"/bookings/{booking.pk}/calendar.ics").content.decode()
    assert "BEGIN:VEVENT" in ics
    assert "SUMMARY:Boat trip" in ics
    assert "LOCATION:Pier 3" in ics
    theirs = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        theirs.force_login(other)
    assert theirs.get(f"/bookings/{booking.pk}/calendar.ics").status_code == 404
    assert theirs.post(f"/bookings/{booking.pk}/cancel/").status_code == 404


def test_booking_through_the_page(hotel):
    with tenant_context(hotel):
        event = an_event(capacity=5)
        user = UserFactory()
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(user)
    assert "Boat trip" in browser.get("/events/").content.decode()
    browser.post(f"/events/{event.pk}/book/", {"seats": "2"})
    for bad in ({"seats": "x"}, {"seats": "99"}):
        browser.post(f"/events/{event.pk}/book/", bad)
    assert browser.post("/events/999999/book/", {"seats": "1"}).status_code == 404
    with tenant_context(hotel):
        assert Booking.objects.get(event=event).seats == 2


def test_fifty_clients_race_for_the_last_ten_seats(module_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        event = an_event(capacity=10)
        clients = [
            ClientProfile.objects.create(
                user=User.objects.create_user(email=f"racer{n}-{event.pk}@x.com", password=None)
            )
            for n in range(50)
        ]

    def book(client: ClientProfile) -> str:
        try:
            with django_db_blocker.unblock(), tenant_context(module_tenant):
                booking_create(event=event, client=client)
            return "booked"
        except SoldOut:
            return "sold out"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(book, clients))
    assert results.count("booked") == 10
    assert results.count("sold out") == 40
    with django_db_blocker.unblock(), tenant_context(module_tenant):
        assert Booking.objects.filter(event=event, status="confirmed").count() == 10
