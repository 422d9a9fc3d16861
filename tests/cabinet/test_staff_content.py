import pytest
from django_tenants.utils import tenant_context

from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogCategory, CatalogItem
from cabinet.content.models import InfoPage
from rbac.models import AuditEntry, StaffProfile
from rbac.roles import role_set
from tests.factories import UserFactory


@pytest.fixture
def staff_client(hotel, hotel_client):
    """A manager: content is theirs to edit (the role's content permissions)."""
    with tenant_context(hotel):
        manager = UserFactory(is_staff=True)
        role_set(user=manager, role=StaffProfile.Role.MANAGER)
        hotel_client.force_login(manager)
    return hotel_client


def test_staff_see_the_starter_catalog(staff_client):
    page = staff_client.get("/staff/content/catalog/").content.decode()
    assert "Bottle of champagne" in page
    assert "Room service" in page


def test_edit_a_catalog_item_with_an_audit_entry(hotel, staff_client):
    with tenant_context(hotel):
        item = CatalogItem.objects.get(name="Bottle of champagne")
        data = {
            "category": item.category_id, "name": "Champagne, 0.75 l", "description": "",
            "price": "49.50", "currency": "EUR", "unit": "item", "is_active": "on",
        }  # fmt: skip
    response = staff_client.post(f"/staff/content/catalog/{item.pk}/", data)
    assert response.status_code == 302
    with tenant_context(hotel):
        item.refresh_from_db()
        assert (item.name, str(item.price)) == ("Champagne, 0.75 l", "49.50")
        entry = AuditEntry.objects.get(action="catalog.updated")
        assert entry.changes["price"] == ["45.00", "49.50"]


@pytest.mark.parametrize("price", ["-1", "abc", "1e30", "99999999999"])
def test_a_bad_price_is_refused_and_nothing_changes(hotel, staff_client, price):
    with tenant_context(hotel):
        item = CatalogItem.objects.get(name="Bottle of champagne")
    data = {"category": item.category_id, "name": "X", "price": price, "currency": "EUR",
            "unit": "item"}  # fmt: skip
    response = staff_client.post(f"/staff/content/catalog/{item.pk}/", data)
    assert response.status_code == 400
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.name == "Bottle of champagne"


def test_an_event_must_end_after_it_starts(staff_client):
    data = {
        "kind": "event", "title": "Dance", "starts_at": "2030-01-01T20:00",
        "ends_at": "2030-01-01T19:00", "capacity": "10", "price": "0", "currency": "EUR",
    }  # fmt: skip
    response = staff_client.post("/staff/content/events/new/", data)
    assert response.status_code == 400
    assert "after the start" in response.content.decode()


def test_delete_a_page_and_a_category_in_use_is_protected(hotel, staff_client):
    with tenant_context(hotel):
        page = InfoPage.objects.get(slug="wifi")
    assert staff_client.post(f"/staff/content/pages/{page.pk}/delete/").status_code == 302
    with tenant_context(hotel):
        assert not InfoPage.objects.filter(pk=page.pk).exists()
        assert AuditEntry.objects.filter(action="pages.deleted").exists()
        assert CatalogCategory.objects.exists()


def test_clients_and_strangers_cannot_edit(hotel, hotel_client):
    assert hotel_client.get("/staff/content/catalog/").status_code == 302  # to sign in
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory())
    assert hotel_client.get("/staff/content/catalog/").status_code == 403


def test_ids_of_another_tenant_or_unknown_kinds_are_404(shop, staff_client):
    with tenant_context(shop):
        their_event = Event.objects.create(
            title="Shop only", starts_at="2030-01-01T10:00Z", ends_at="2030-01-01T11:00Z"
        )
    # the same id may name a different hotel event; it never shows shop's
    response = staff_client.get(f"/staff/content/events/{their_event.pk}/")
    assert response.status_code in (200, 404)
    assert b"Shop only" not in response.content
    assert staff_client.post(f"/staff/content/events/{their_event.pk}/delete/").status_code in (
        302,
        404,
    )
    with tenant_context(shop):
        assert Event.objects.filter(pk=their_event.pk).exists()
    assert staff_client.get("/staff/content/events/999999/").status_code == 404
    assert staff_client.get("/staff/content/users/").status_code == 404


@pytest.mark.parametrize("role", [StaffProfile.Role.OPERATOR, StaffProfile.Role.VIEWER])
def test_staff_without_content_permissions_cannot_change_it(hotel, hotel_client, role):
    with tenant_context(hotel):
        person = UserFactory(is_staff=True)
        role_set(user=person, role=role)
        hotel_client.force_login(person)
        page = InfoPage.objects.first()

    new = hotel_client.post(
        "/staff/content/pages/new/", {"slug": "x", "kind": "info", "title": "Mine", "body": "b"}
    )
    edit = hotel_client.post(f"/staff/content/pages/{page.pk}/", {"title": "Hijacked"})
    delete = hotel_client.post(f"/staff/content/pages/{page.pk}/delete/")

    assert (new.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    with tenant_context(hotel):
        assert InfoPage.objects.filter(pk=page.pk, title=page.title).exists()
        assert not InfoPage.objects.filter(title="Mine").exists()


def test_a_hotel_edits_its_map_and_rooms_and_a_shop_has_none(hotel, shop, staff_client):
    added = staff_client.post(
        "/staff/content/map-points/new/",
        {
            "name": "Boat pier",
            "kind": "transport",
            "description": "Boats at 10 and 14",
            "x": "12.5",
            "y": "90",
            "position": "9",
        },
    )
    off_map = staff_client.post(
        "/staff/content/map-points/new/",
        {"name": "Moon", "kind": "sight", "x": "150", "y": "-3", "position": "1"},
    )
    room = staff_client.post("/staff/content/rooms/new/", {"number": "401", "kind": "Suite"})

    assert added.status_code == 302
    assert off_map.status_code == 400
    assert room.status_code == 302
    with tenant_context(hotel):
        from cabinet.hotel.models import MapPoint, Room

        assert MapPoint.objects.filter(name="Boat pier", x=12.5).exists()
        assert Room.objects.filter(number="401").exists()
    with tenant_context(shop):
        from rbac.models import User

        owner = User.objects.get(email="owner@shop.example.com")
    from django.test import Client

    desk = Client(HTTP_HOST="shop.localhost")
    with tenant_context(shop):
        desk.force_login(owner)
    assert desk.get("/staff/content/map-points/").status_code == 404
