"""A hotel's own plan on the resort map, with pins the owner places by clicking on it, and
pictures of rooms that guests see on their stay."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.hotel.models import MapPlan, Room
from cabinet.hotel.services import stay_create
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def picture(name: str = "plan.png", size=(1000, 500), fmt: str = "PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 180, 120)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def owner(hotel) -> Client:
    with tenant_context(hotel):
        return as_(hotel, User.objects.get(email="owner@hotel.example.com"))


@pytest.fixture
def guest(hotel) -> tuple[Client, ClientProfile]:
    with tenant_context(hotel):
        profile = ClientProfile.objects.create(user=UserFactory(email="g@guest.example.com"))
    return as_(hotel, profile.user), profile


def test_the_owner_uploads_a_plan_and_guests_see_it_with_the_pins(hotel, owner, guest):
    # given the bundled drawing on both sides
    assert "resort-map.svg" in guest[0].get("/map/").content.decode()

    # when the owner uploads a 1000 x 500 plan
    response = owner.post("/staff/map/", {"plan": picture()})

    # then the map is drawn on it, in its proportions, with the pins placed in percent of it
    assert response.status_code == 302
    with tenant_context(hotel):
        plan = MapPlan.objects.get()
        assert (plan.width, plan.height) == (1000, 500)
        url = plan.image.url
        assert AuditEntry.objects.filter(action="map_plan.set").exists()
    page = guest[0].get("/map/").content.decode()
    assert guest[0].get(url).status_code == 200
    assert f'href="{url}"' in page
    assert 'viewBox="0 0 1000 500"' in page
    assert "resort-map.svg" not in page
    assert "Reception" in page  # the starter pins are still on it
    # the staff side is clickable: new pins open the form, pins link to their edit page
    editor = owner.get("/staff/map/").content.decode()
    assert 'data-place-url="/staff/content/map-points/new/"' in editor
    assert "/staff/content/map-points/" in editor
    assert "map_pins.js" in editor


def test_a_click_on_the_plan_opens_a_new_place_with_the_pin_there(hotel, owner):
    form = owner.get("/staff/content/map-points/new/?x=12.5&y=40").content.decode()
    assert 'value="12.5"' in form
    assert 'value="40"' in form
    assert "data-pick-for" in form  # the plan to click on, beside the numbers

    response = owner.post("/staff/content/map-points/new/",
                          {"name": "Kids' club", "kind": "sight", "x": "12.5", "y": "40",
                           "position": 9})  # fmt: skip
    assert response.status_code == 302


def test_going_back_to_the_bundled_drawing(hotel, owner, guest, django_capture_on_commit_callbacks):
    owner.post("/staff/map/", {"plan": picture()})
    with tenant_context(hotel):
        plan = MapPlan.objects.get()
        name, storage = plan.image.name, plan.image.storage
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post("/staff/map/plan/remove/").status_code == 302
    assert not storage.exists(name)
    assert "resort-map.svg" in guest[0].get("/map/").content.decode()


@pytest.mark.parametrize(
    "upload", [SimpleUploadedFile("plan.png", b"<svg onload=alert(1)>", "image/png"), None]
)
def test_a_bad_plan_is_refused_with_words(hotel, owner, upload):
    response = owner.post("/staff/map/", {"plan": upload} if upload else {})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    with tenant_context(hotel):
        assert not MapPlan.objects.exists()


def test_an_operator_cannot_change_the_map_and_other_verticals_have_none(hotel, shop):
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
    assert as_(hotel, operator).get("/staff/map/").status_code == 403
    with tenant_context(shop):
        shop_owner = User.objects.get(email="owner@shop.example.com")
    assert as_(shop, shop_owner).get("/staff/map/").status_code == 404


def test_a_guest_sees_the_picture_of_the_room_type_booked_then_of_the_room(hotel, owner, guest):
    browser, profile = guest
    with tenant_context(hotel):
        suite = Room.objects.filter(kind__gt="").first()
    response = owner.post(f"/staff/content/rooms/{suite.pk}/",
                          {"number": suite.number, "kind": suite.kind,
                           "image": picture("room.jpg", (800, 600), "JPEG")})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(hotel):
        suite.refresh_from_db()
        today = timezone.localdate()
        stay_create(client=profile, arrival=today + dt.timedelta(days=3),
                    departure=today + dt.timedelta(days=5), room_type=suite.kind,
                    by=User.objects.get(email="owner@hotel.example.com"))  # fmt: skip
        small_url = suite.image.small_url
    assert f'src="{small_url}"' in browser.get("/stay/").content.decode()
    assert browser.get(small_url).status_code == 200
    assert f'src="{small_url}"' in browser.get("/").content.decode()  # the home's stay card
