"""A business's time zone: chosen at signup (the browser's, preselected), changed by the owner;
every time in the cabinet, its documents and its messages is shown in it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.notifications.models import Notification
from rbac.models import AuditEntry, User
from tenants.models import Tenant
from tenants.routing import router
from tests.factories import UserFactory


@pytest.fixture
def moscow_hotel(hotel):
    hotel.time_zone = "Europe/Moscow"
    hotel.save(update_fields=["time_zone"])
    router.forget()
    yield hotel
    hotel.time_zone = "UTC"
    hotel.save(update_fields=["time_zone"])
    router.forget()


def an_event_at(utc: dt.datetime) -> Event:
    return Event.objects.create(
        title="Boat trip", starts_at=utc, ends_at=utc + dt.timedelta(hours=2)
    )


def test_pages_and_messages_show_the_businesss_local_time(moscow_hotel):
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )  # 11:00 in Moscow
    with tenant_context(moscow_hotel):
        event = an_event_at(start)
        guest = ClientProfile.objects.create(user=UserFactory())
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(moscow_hotel):
        browser.force_login(guest.user)
    page = browser.get("/events/").content.decode()
    assert "11:00" in page
    assert "08:00" not in page
    browser.post(f"/events/{event.pk}/book/", {"seats": "1"})
    with tenant_context(moscow_hotel):
        note = Notification.objects.get(user=guest.user)
        assert "11:00" in note.body


def test_the_owner_changes_the_time_zone_and_bad_zones_are_refused(hotel):
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(User.objects.get(email="owner@hotel.example.com"))
    page = browser.get("/staff/security/")
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({k: ("on" if v is True else v) for k, v in data.items() if isinstance(v, bool)})
    data = {k: v for k, v in data.items() if v is not False}
    for bad in ("Mars/Olympus", "<script>", "Europe/Moscow" * 10):
        response = browser.post("/staff/security/", {**data, "time_zone": bad})
        assert response.status_code == 400
    assert Tenant.objects.get(pk=hotel.pk).time_zone == "UTC"
    response = browser.post("/staff/security/", {**data, "time_zone": "Asia/Yekaterinburg"})
    assert response.status_code == 302
    assert Tenant.objects.get(pk=hotel.pk).time_zone == "Asia/Yekaterinburg"
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="tenant.time_zone_changed").exists()
    Tenant.objects.filter(pk=hotel.pk).update(time_zone="UTC")
    router.forget()


def test_signup_keeps_the_chosen_time_zone(platform_client, settings):
    response = platform_client.post("/signup/", {
        "business_name": "Ural Hotel", "slug": "ural-hotel", "vertical": "hotel",
        "owner_email": "owner@ural.example.com", "password": "a long owner passphrase",
        "language": "ru", "time_zone": "Asia/Yekaterinburg",
    })  # fmt: skip
    assert response.status_code in (200, 302)
    tenant = Tenant.objects.get(slug="ural-hotel")
    assert tenant.time_zone == "Asia/Yekaterinburg"
    assert tenant.zone == ZoneInfo("Asia/Yekaterinburg")


def test_a_made_up_time_zone_at_signup_is_refused(platform_client):
    response = platform_client.post("/signup/", {
        "business_name": "Nowhere Inn", "slug": "nowhere-inn", "vertical": "hotel",
        "owner_email": "owner@nowhere.example.com", "password": "a long owner passphrase",
        "time_zone": "Mars/Olympus",
    })  # fmt: skip
    assert response.status_code == 400
    assert not Tenant.objects.filter(slug="nowhere-inn").exists()
