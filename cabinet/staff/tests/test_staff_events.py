"""Staff see who is coming to an event (names only of clients they may see) and check a guest's
voucher at the door; a forged, cancelled or other cabinet's voucher is not valid."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_cancel, booking_create
from cabinet.documents.services import voucher_code
from cabinet.staff.services import client_assign
from rbac.models import AuditEntry, User
from rbac.roles import role_set
from tests.factories import UserFactory


def an_event() -> Event:
    start = timezone.now() + dt.timedelta(days=3)
    return Event.objects.create(title="Boat trip", starts_at=start,
                                ends_at=start + dt.timedelta(hours=2), capacity=5)  # fmt: skip


def staff_browser(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def scene(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        operator = UserFactory(is_staff=True, full_name="Olga Operator")
        role_set(user=operator, role="operator")
        mine = ClientProfile.objects.create(user=UserFactory(full_name="Maria Mine"))
        theirs = ClientProfile.objects.create(user=UserFactory(full_name="Tom Theirs"))
        client_assign(client=mine, staff=operator, by=owner)
        event = an_event()
        first = booking_create(event=event, client=mine, seats=2)
        second = booking_create(event=event, client=theirs)
    return {"owner": owner, "operator": operator, "event": event, "first": first,
            "second": second}  # fmt: skip


def test_the_guest_list_shows_only_names_the_person_may_see(hotel, scene):
    page = (
        staff_browser(hotel, scene["operator"])
        .get(f"/staff/events/{scene['event'].pk}/bookings/")
        .content.decode()
    )
    assert "Maria Mine" in page
    assert "Tom Theirs" not in page
    assert "A client of a colleague" in page
    assert "3 of 5 places booked" in page
    owner_page = (
        staff_browser(hotel, scene["owner"])
        .get(f"/staff/events/{scene['event'].pk}/bookings/")
        .content.decode()
    )
    assert "Tom Theirs" in owner_page
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="event.bookings_viewed").count() == 2


def test_a_genuine_voucher_checks_out(hotel, scene):
    with tenant_context(hotel):
        code = voucher_code(scene["first"])
    response = staff_browser(hotel, scene["operator"]).post("/staff/vouchers/", {"code": code})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Valid" in page
    assert "Maria Mine" in page


@pytest.mark.parametrize(
    "code", ["", "1-00000000", "abc", "99999999-DEADBEEF", "<script>alert(1)</script>", "1" * 500]
)
def test_forged_vouchers_are_not_valid(hotel, scene, code):
    response = staff_browser(hotel, scene["owner"]).post("/staff/vouchers/", {"code": code})
    assert response.status_code == 404
    assert "Not a valid voucher" in response.content.decode()
    assert "<script>alert" not in response.content.decode()


def test_a_cancelled_booking_or_another_cabinets_voucher_is_not_valid(hotel, shop, scene):
    with tenant_context(hotel):
        code = voucher_code(scene["second"])
        booking_cancel(booking=scene["second"])
    response = staff_browser(hotel, scene["owner"]).post("/staff/vouchers/", {"code": code})
    assert response.status_code == 409
    with tenant_context(hotel):
        live = voucher_code(scene["first"])
    with tenant_context(shop):
        shop_owner = User.objects.get(email="owner@shop.example.com")
    response = staff_browser(shop, shop_owner).post("/staff/vouchers/", {"code": live})
    assert response.status_code in (404, 409)
    assert "Maria Mine" not in response.content.decode()


def test_clients_cannot_reach_the_guest_list_or_the_voucher_check(hotel, scene):
    with tenant_context(hotel):
        guest = scene["first"].client.user
    browser = staff_browser(hotel, guest)
    assert browser.get(f"/staff/events/{scene['event'].pk}/bookings/").status_code == 403
    assert browser.post("/staff/vouchers/", {"code": "1-X"}).status_code == 403


def test_checking_in_records_a_visit_once_and_a_reused_voucher_is_noticed(hotel, scene):
    with tenant_context(hotel):
        code = voucher_code(scene["first"])
    desk = staff_browser(hotel, scene["operator"])
    first = desk.post("/staff/vouchers/", {"code": code, "action": "check_in"}).content.decode()
    assert "Checked in." in first
    again = desk.post("/staff/vouchers/", {"code": code, "action": "check_in"}).content.decode()
    assert "already used" in again
    with tenant_context(hotel):
        scene["first"].refresh_from_db()
        assert scene["first"].checked_in_at is not None
        assert AuditEntry.objects.filter(action="booking.checked_in").count() == 1
        guest = scene["first"].client.user
    visits = staff_browser(hotel, guest).get("/bookings/?when=visits").content.decode()
    assert "Boat trip" in visits
    assert "visited" in visits
    with tenant_context(hotel):
        other = scene["second"].client.user
    assert (
        "Boat trip"
        not in staff_browser(hotel, other).get("/bookings/?when=visits").content.decode()
    )


def test_the_vouchers_qr_code_opens_the_door_check_with_its_code(hotel, scene):
    from pypdf import PdfReader

    from cabinet.documents.services import voucher_build, voucher_check_url

    with tenant_context(hotel):
        code = voucher_code(scene["first"])
        document = voucher_build(booking_id=scene["first"].pk)
        with document.file.open("rb") as raw:
            page = PdfReader(raw).pages[0]
            assert len(page.images) == 1  # the QR code
        url = voucher_check_url(code)
    assert url.startswith("http://hotel.localhost")
    assert url.endswith(f"/staff/vouchers/?code={code}")
    # scanning it opens the verdict; checking in stays a deliberate POST
    response = staff_browser(hotel, scene["operator"]).get(url.split("localhost", 1)[1])
    assert response.status_code == 200
    assert "Valid" in response.content.decode()
    with tenant_context(hotel):
        scene["first"].refresh_from_db()
        assert scene["first"].checked_in_at is None
