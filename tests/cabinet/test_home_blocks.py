"""The clients' home is built from blocks the owner turns on, off and reorders; a hotel guest's
home leads with the stay, a stay three days ahead included."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.branding.models import Branding, BusinessDetails
from cabinet.catalog.models import CatalogItem
from cabinet.hotel.models import Stay
from rbac.models import AuditEntry, User
from tests.factories import UserFactory


def signed_in(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        return ClientProfile.objects.create(user=UserFactory(full_name="Greta Guest"))


@pytest.fixture
def owner(hotel):
    with tenant_context(hotel):
        return User.objects.get(email="owner@hotel.example.com")


def a_stay(client: ClientProfile, *, in_days: int, nights: int = 4) -> Stay:
    arrival = timezone.localdate() + dt.timedelta(days=in_days)
    return Stay.objects.create(
        client=client, reservation_code=f"R{client.pk}{in_days}", room_type="Sea view double",
        arrival=arrival, departure=arrival + dt.timedelta(days=nights),
    )  # fmt: skip


def test_a_guest_whose_stay_starts_in_three_days_sees_it_first(hotel, guest):
    with tenant_context(hotel):
        a_stay(guest, in_days=3)
    html = signed_in(hotel, guest.user).get("/").content.decode()
    assert "Your stay starts in 3 days" in html
    assert "4 nights" in html
    assert "/check-in/" in html
    assert html.index("Your stay starts") < html.index("bonus points")  # the stay leads


def test_a_guest_in_the_hotel_sees_they_are_with_us(hotel, guest):
    with tenant_context(hotel):
        a_stay(guest, in_days=-1)
    assert "You are with us" in signed_in(hotel, guest.user).get("/").content.decode()


def test_a_visitor_sees_only_the_public_blocks(hotel, hotel_client):
    with tenant_context(hotel):
        BusinessDetails.objects.create(legal_name="Seaside Resorts LLC", address="1 Harbour Road")
    html = hotel_client.get("/").content.decode()
    assert "Seaside Resorts LLC" in html  # contacts
    assert "bonus points" not in html


def test_services_with_pictures_show_as_tiles(hotel, hotel_client):
    with tenant_context(hotel):
        item = CatalogItem.objects.get(name="Bottle of champagne")
        out = io.BytesIO()
        Image.new("RGB", (64, 40), "#c33").save(out, "PNG")
        item.image.save("champagne.png", SimpleUploadedFile("c.png", out.getvalue()))
    html = hotel_client.get("/").content.decode()
    assert 'class="tile-picture"' in html
    assert 'loading="lazy"' in html


def test_the_owner_turns_blocks_off_and_reorders_them(hotel, guest, owner):
    desk = signed_in(hotel, owner)
    page = desk.get("/staff/home-page/").content.decode()
    assert 'value="events:up"' in page
    order = ["lead", "wallet", "offers", "first_steps", "services", "events", "info", "contacts"]
    on = [key for key in order if key != "wallet"]
    response = desk.post("/staff/home-page/", {"order": order, "on": on, "move": "events:up"})
    assert response.status_code == 302
    with tenant_context(hotel):
        saved = Branding.objects.get().home_blocks
        assert saved == ["lead", "offers", "first_steps", "events", "services", "info", "contacts"]
        assert AuditEntry.objects.filter(action="branding.home_updated").exists()
    assert "bonus points" not in signed_in(hotel, guest.user).get("/").content.decode()
    assert desk.post("/staff/home-page/", {"reset": "1"}).status_code == 302
    with tenant_context(hotel):
        assert Branding.objects.get().home_blocks == []


def test_a_forged_block_is_refused(hotel, owner):
    desk = signed_in(hotel, owner)
    response = desk.post("/staff/home-page/", {"order": ["lead", "<script>"], "on": ["<script>"]})
    assert response.status_code == 400
    with tenant_context(hotel):
        assert Branding.objects.get().home_blocks == []


@pytest.mark.parametrize("is_staff", [True, False])
def test_only_the_owner_composes_the_home(hotel, is_staff):
    with tenant_context(hotel):
        someone = UserFactory(is_staff=is_staff)
    browser = signed_in(hotel, someone)
    assert browser.get("/staff/home-page/").status_code == 403
    assert browser.post("/staff/home-page/", {"reset": "1"}).status_code == 403


def test_the_home_costs_a_fixed_number_of_queries(hotel, guest):
    browser = signed_in(hotel, guest.user)
    browser.get("/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/").status_code == 200
        return len(queries)

    before = count()
    with tenant_context(hotel):
        for days in range(5):
            a_stay(guest, in_days=days + 2)
    browser.get("/")
    assert count() <= before <= 12  # 12: the card asking for their opinion (feedback)
