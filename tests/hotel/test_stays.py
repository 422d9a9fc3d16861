"""The hotel vertical: a guest's stay, guided step by step; online check-in with a checked
document; extras priced for the stay; earlier stays with what was ordered; the resort map; the
front desk. A guest sees only their own stays, staff only their clients' stays, and no other
cabinet sees any of it."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from guardian.shortcuts import assign_perm
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.hotel.models import MapPoint, Room, Stay
from cabinet.hotel.services import stay_create
from cabinet.orders.models import Order
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def jpeg(name: str = "passport.jpg", size: tuple[int, int] = (60, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def guest(email: str = "anna@guest.example.com") -> ClientProfile:
    return ClientProfile.objects.create(user=UserFactory(email=email, full_name="Anna Guest"))


def booked(client: ClientProfile, *, in_days: int = 3, nights: int = 4, **fields) -> Stay:
    owner = User.objects.get(email="owner@hotel.example.com")
    today = timezone.localdate()
    return stay_create(
        client=client, arrival=today + dt.timedelta(days=in_days),
        departure=today + dt.timedelta(days=in_days + nights), by=owner, **fields,
    )  # fmt: skip


def check_in_form(**overrides) -> dict:
    return {
        "guest_name": "Anna Maria Guest", "birth_date": "1990-04-12", "citizenship": "Latvia",
        "document_number": "LV 1234567", "arrival_time": "15:30", "document": jpeg(),
        **overrides,
    }  # fmt: skip


@pytest.fixture
def anna(hotel) -> tuple[ClientProfile, Stay]:
    with tenant_context(hotel):
        profile = guest()
        breakfast = CatalogItem.objects.get(name="Breakfast in the room")
        stay = booked(profile, adults=2, children=1, included=[breakfast])
    return profile, stay


def test_the_stay_page_guides_a_new_guest_and_prices_extras_for_the_stay(hotel, anna):
    profile, stay = anna
    page = as_(hotel, profile.user).get("/stay/").content.decode()

    assert stay.reservation_code in page
    assert "Check in online" in page
    # included vs extra: parking is per night (4 nights), a transfer per person (3 guests)
    assert "Included in your stay" in page
    assert "Breakfast in the room" in page
    assert "€48.00" in page  # parking 12.00 x 4 nights
    assert "€75.00" in page  # transfer 25.00 x 3 guests
    assert "Map of the resort" in page


def test_a_guest_checks_in_online_with_a_document_and_the_desk_sees_it(hotel, anna):
    profile, stay = anna
    browser = as_(hotel, profile.user)

    response = browser.post(f"/stay/{stay.pk}/check-in/", check_in_form())

    assert response.status_code == 302
    with tenant_context(hotel):
        stay.refresh_from_db()
        assert stay.status == Stay.Status.CHECKED_IN_ONLINE
        assert stay.arrival_time == dt.time(15, 30)
        assert stay.document.name.startswith("private/check-in/")
        with stay.document.open("rb") as stored, Image.open(stored) as picture:
            assert picture.format == "JPEG"  # re-encoded: metadata gone
        assert AuditEntry.objects.filter(action="stay.checked_in_online").exists()
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.ADMIN)
    page = browser.get("/stay/").content.decode()
    assert "Change my check-in details" in page
    assert "We expect you at 15:30" in page
    desk = as_(hotel, operator)
    assert "Anna Maria Guest" in desk.get(f"/staff/stays/{stay.pk}/").content.decode()
    document = desk.get(f"/staff/stays/{stay.pk}/document/")
    assert document.status_code == 200
    assert document["Cache-Control"] == "private, no-store"
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="stay.document_viewed", actor=operator).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"document": SimpleUploadedFile("passport.jpg", b"MZ\x90\x00 not a picture")},
         "Send a picture (PNG, JPEG, WebP) or a PDF."),
        ({"document": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (6 * 1024 * 1024))},
         "Attachments are at most 5 MB."),
        ({"birth_date": "2999-01-01"}, "Enter the birth date as in the document."),
        ({"guest_name": "<script>alert(1)</script>"}, "without &lt; or &gt;"),
        ({"document_number": "x"}, "3 to 40"),
        ({"arrival_time": "25:99"}, "Enter a valid time."),
        ({"document": ""}, "Add a photo or scan of your document."),
    ],
)  # fmt: skip
def test_bad_check_in_input_is_refused_and_nothing_is_saved(hotel, anna, overrides, message):
    profile, stay = anna
    response = as_(hotel, profile.user).post(
        f"/stay/{stay.pk}/check-in/", check_in_form(**overrides)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(hotel):
        stay.refresh_from_db()
        assert (stay.status, stay.checked_in_online_at, stay.document.name) == (
            Stay.Status.BOOKED, None, "",
        )  # fmt: skip


def test_an_extra_is_ordered_from_the_stay_and_shows_in_its_history(hotel, anna):
    profile, stay = anna
    browser = as_(hotel, profile.user)
    with tenant_context(hotel):
        parking = CatalogItem.objects.get(name="Parking")

    review = browser.post("/orders/review/", {f"qty-{parking.pk}": "4", "payment": "on_site"})
    key = review.context["submission_key"]
    placed = browser.post(
        "/orders/place/",
        {f"qty-{parking.pk}": "4", "payment": "on_site", "submission_key": key},
    )

    assert placed.status_code == 302
    with tenant_context(hotel):
        order = Order.objects.get(client=profile)
        assert order.items.get().quantity == 4
        # the stay started in three days; the order counts for the stay once it is under way
        Stay.objects.filter(pk=stay.pk).update(
            arrival=timezone.localdate(), departure=timezone.localdate() + dt.timedelta(days=4)
        )
    page = browser.get("/stay/").content.decode()
    assert "Ordered during this stay" in page
    assert f"#{order.pk}" in page


def test_earlier_stays_list_what_was_ordered(hotel):
    with tenant_context(hotel):
        profile = guest()
        stay = booked(profile, in_days=-30, nights=5)
        Stay.objects.filter(pk=stay.pk).update(status=Stay.Status.DEPARTED)
        order = Order.objects.create(
            client=profile, payment="on_site", subtotal=45, total=45, submission_key="past",
            created_at=timezone.now() - dt.timedelta(days=28),
        )  # fmt: skip
        order.items.create(name="Bottle of champagne", unit_price=45, quantity=1, line_total=45)
        later = Order.objects.create(client=profile, payment="on_site", subtotal=1, total=1,
                                     submission_key="later")  # fmt: skip
    page = as_(hotel, profile.user).get("/stays/").content.decode()

    assert "Earlier stays" in page
    assert "Bottle of champagne" in page
    assert f'href="/orders/{order.pk}/"' in page
    assert f'href="/orders/{later.pk}/"' not in page  # placed after the stay: not in it


def test_a_guest_sees_only_their_own_stays(hotel, anna):
    _profile, stay = anna
    with tenant_context(hotel):
        other = guest("someone@guest.example.com")
    browser = as_(hotel, other.user)

    assert browser.get(f"/stay/{stay.pk}/").status_code == 404
    assert browser.get(f"/stay/{stay.pk}/check-in/").status_code == 404
    assert browser.post(f"/stay/{stay.pk}/check-in/", check_in_form()).status_code == 404
    assert stay.reservation_code not in browser.get("/stays/").content.decode()


def test_other_cabinets_have_no_hotel_pages_and_no_hotel_data(hotel, shop, anna):
    _profile, stay = anna
    with tenant_context(shop):
        reader = guest("reader@shop.example.com")
        owner = User.objects.get(email="owner@shop.example.com")
    browser = as_(shop, reader.user)
    for url in ("/stay/", f"/stay/{stay.pk}/", "/stays/", "/map/"):
        assert browser.get(url).status_code == 404, url
    desk = as_(shop, owner)
    assert desk.get("/staff/stays/").status_code == 404
    assert desk.get(f"/staff/stays/{stay.pk}/document/").status_code == 404
    assert "My stay" not in browser.get("/").content.decode()


def test_staff_see_and_book_stays_only_for_clients_they_may_see(hotel, anna):
    profile, stay = anna
    with tenant_context(hotel):
        mine = guest("mine@guest.example.com")
        viewer = UserFactory(is_staff=True)
        role_set(user=viewer, role=StaffProfile.Role.VIEWER)
        assign_perm("cabinet.view_clientprofile", viewer, mine)
        booked(mine)
    desk = as_(hotel, viewer)

    listing = desk.get("/staff/stays/").content.decode()
    assert "mine@guest.example.com" in listing or "Anna Guest" in listing
    assert stay.reservation_code not in listing
    assert desk.get(f"/staff/stays/{stay.pk}/").status_code == 404
    today = timezone.localdate()
    form = {"arrival": today, "departure": today + dt.timedelta(days=2), "adults": 2,
            "children": 0}  # fmt: skip
    refused = desk.post("/staff/stays/", {**form, "email": profile.user.email})
    assert refused.status_code == 400
    assert "None of the clients you can see has this email." in refused.content.decode()
    assert desk.post("/staff/stays/", {**form, "email": mine.user.email}).status_code == 302
    # a viewer may not open the guest's document: personal data
    with tenant_context(hotel):
        mine_stay = Stay.objects.filter(client=mine).first()
    assert desk.get(f"/staff/stays/{mine_stay.pk}/document/").status_code == 403


def test_a_room_is_not_given_twice_for_the_same_nights(hotel, anna):
    _profile, stay = anna
    with tenant_context(hotel):
        other = booked(guest("b@guest.example.com"), in_days=5, nights=2)
        room = Room.objects.get(number="201")
        owner = User.objects.get(email="owner@hotel.example.com")
    desk = as_(hotel, owner)

    assert desk.post(f"/staff/stays/{stay.pk}/room/", {"room": room.pk}).status_code == 302
    taken = desk.post(f"/staff/stays/{other.pk}/room/", {"room": room.pk}, follow=True)

    assert "Room 201 is taken on some of these nights." in taken.content.decode()
    with tenant_context(hotel):
        other.refresh_from_db()
        assert other.room is None
    bad = desk.post(f"/staff/stays/{other.pk}/room/", {"room": "99999999999"}, follow=True)
    assert "Choose a room from the list." in bad.content.decode()
    wrong = desk.post(f"/staff/stays/{stay.pk}/status/", {"to": "departed"}, follow=True)
    assert "cannot change that way" in wrong.content.decode()


def test_the_map_and_the_information_pages(hotel, anna):
    profile, _stay = anna
    browser = as_(hotel, profile.user)

    page = browser.get("/map/").content.decode()
    info = browser.get("/info/").content.decode()

    with tenant_context(hotel):
        assert MapPoint.objects.count() >= 6
        first = MapPoint.objects.first()
    assert first.name in page
    assert "<svg" in page
    assert 'style="' not in page
    assert "Meals and activities" in info
    assert "House rules" in info
    assert "18:30" in browser.get("/info/meals/").content.decode()
    assert browser.get("/info/nope/").status_code == 404


def test_the_stay_pages_cost_the_same_whatever_the_history(
    hotel, anna, django_assert_max_num_queries
):
    profile, _stay = anna
    browser = as_(hotel, profile.user)
    with tenant_context(hotel):
        for days in (40, 80, 120):
            past = booked(profile, in_days=-days, nights=3)
            Stay.objects.filter(pk=past.pk).update(status=Stay.Status.DEPARTED)
    browser.get("/stays/")  # warm the session and the branding cache

    with django_assert_max_num_queries(8):
        assert browser.get("/stays/").status_code == 200
    # 12: one of them reads the owner's fields for stays (the "More details" card), once
    with django_assert_max_num_queries(12):
        assert browser.get("/stay/").status_code == 200


def test_an_excursion_is_booked_for_the_party_in_one_tap_from_the_stay(hotel, anna):
    from cabinet.bookings.models import Booking, Event

    profile, _stay = anna
    browser = as_(hotel, profile.user)
    with tenant_context(hotel):
        start = timezone.now() + dt.timedelta(days=4)
        boat = Event.objects.create(
            title="Boat trip",
            starts_at=start,
            capacity=10,
            price=40,
            ends_at=start + dt.timedelta(hours=2),
            max_seats_per_booking=6,
        )
        full = Event.objects.create(title="Sunset dinner", starts_at=start, capacity=0,
                                    ends_at=start + dt.timedelta(hours=2))  # fmt: skip
    page = browser.get("/stay/").content.decode()
    assert "Book for 3 people" in page  # two adults and a child
    assert "€120.00" in page  # 40.00 a place
    assert "Sold out" in page

    response = browser.post(f"/events/{boat.pk}/book/", {"seats": "3", "next": "/stay/"})
    assert response["Location"].startswith("/checkout/")  # a priced excursion is paid first
    review = browser.get(response["Location"]).content.decode()
    assert "€120.00" in review
    browser.post(response["Location"] + "pay/", {"payment": "on_site"})
    with tenant_context(hotel):
        booking = Booking.objects.get(event=boat, client=profile)
        assert booking.seats == 3
        assert not Booking.objects.filter(event=full).exists()
    assert f"/bookings/{booking.pk}/" in browser.get("/stay/").content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "stay/", ""])
def test_booking_returns_only_to_a_page_of_this_cabinet(hotel, anna, next_url):
    from cabinet.bookings.models import Event

    profile, _stay = anna
    with tenant_context(hotel):
        start = timezone.now() + dt.timedelta(days=4)
        boat = Event.objects.create(title="Boat trip", starts_at=start, capacity=10,
                                    ends_at=start + dt.timedelta(hours=2))  # fmt: skip
    response = as_(hotel, profile.user).post(f"/events/{boat.pk}/book/", {"next": next_url})
    assert response["Location"] == "/events/"
