"""A question about one order or one booking gets its own thread with staff, next to the general
one; only its client (and staff who see that client) can reach it."""

import datetime as dt

from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_create
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.messaging.models import Thread
from cabinet.notifications.models import Notification
from rbac.models import User
from tests.factories import UserFactory


def signed_in(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def test_asking_about_an_order_opens_its_own_thread_once(hotel):
    with tenant_context(hotel):
        guest = ClientProfile.objects.create(user=UserFactory())
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(client=guest, wanted={item.pk: 1}, payment="on_site",
                            submission_key="ask")  # fmt: skip
        owner = User.objects.get(email="owner@hotel.example.com")
    browser = signed_in(hotel, guest.user)
    first = browser.post(f"/orders/{order.pk}/ask/")
    again = browser.post(f"/orders/{order.pk}/ask/")
    assert first["Location"] == again["Location"]
    thread_path = first["Location"]
    browser.post(thread_path + "send/", {"body": "Can it come chilled?"})
    page = browser.get(thread_path).content.decode()
    assert f"Order #{order.pk}" in page
    assert "Can it come chilled?" in page
    with tenant_context(hotel):
        thread = Thread.objects.get(order=order)
        assert thread.messages.count() == 1
    # staff answer in it; the client's notification points at this thread
    desk = signed_in(hotel, owner)
    assert f"Order #{order.pk}" in desk.get("/staff/messages/").content.decode()
    desk.post(f"/staff/messages/{thread.pk}/reply/", {"body": "Of course."})
    with tenant_context(hotel):
        note = Notification.objects.filter(user=guest.user).latest("pk")
        assert note.url == f"/messages/t/{thread.pk}/"


def test_asking_about_a_booking_and_nobody_else_gets_in(hotel, shop):
    start = timezone.now() + dt.timedelta(days=2)
    with tenant_context(hotel):
        guest = ClientProfile.objects.create(user=UserFactory())
        other = ClientProfile.objects.create(user=UserFactory())
        event = Event.objects.create(title="Boat trip", starts_at=start,
                                     ends_at=start + dt.timedelta(hours=2))  # fmt: skip
        booking = booking_create(event=event, client=guest)
    path = signed_in(hotel, guest.user).post(f"/bookings/{booking.pk}/ask/")["Location"]
    snoop = signed_in(hotel, other.user)
    assert snoop.get(path).status_code == 404
    assert snoop.post(path + "send/", {"body": "hi"}).status_code == 404
    assert snoop.post(f"/bookings/{booking.pk}/ask/").status_code == 404
    with tenant_context(shop):
        stranger = ClientProfile.objects.create(user=UserFactory())
    assert signed_in(shop, stranger.user).get(path).status_code == 404
    with tenant_context(hotel):
        assert Thread.objects.get(booking=booking).subject == "Boat trip"
        assert not Thread.objects.filter(booking=booking).exclude(client=guest).exists()
