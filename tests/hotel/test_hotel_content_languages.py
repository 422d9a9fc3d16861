"""The hotel's own texts per content language (issue 22, point 1): the map's points and the
rooms' types are written by the owner in each content language; a guest reads theirs, else the
cabinet's default; the missing-translations page lists what is still to translate."""

import datetime as dt

from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.branding.services import branding_update
from cabinet.hotel.models import MapPoint, Room, Stay
from cabinet.hotel.services import stay_create
from rbac.models import User
from tests.factories import UserFactory


def owner_browser(tenant) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(User.objects.get(email=f"owner@{tenant.slug}.example.com"))
    return browser


def guest_browser(tenant, language: str) -> tuple[Client, ClientProfile]:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        profile = ClientProfile.objects.create(user=UserFactory(language=language))
        browser.force_login(profile.user)
    return browser, profile


def test_a_map_point_is_written_in_german_and_each_guest_reads_theirs(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de", "ru"])
        point = MapPoint.objects.create(name="Lighthouse café", description="Coffee by the sea",
                                        kind=MapPoint.Kind.FOOD, x=40, y=60)  # fmt: skip
    owner = owner_browser(hotel)
    form = owner.get(f"/staff/content/map-points/{point.pk}/").content.decode()
    assert 'name="name__de"' in form
    assert 'name="description__ru"' in form

    saved = owner.post(f"/staff/content/map-points/{point.pk}/", {
        "name": "Lighthouse café", "kind": "food", "description": "Coffee by the sea",
        "x": "40", "y": "60", "position": "0",
        "name__de": "Leuchtturm-Café", "description__de": "Kaffee am Meer",
    })  # fmt: skip
    assert saved.status_code == 302
    with tenant_context(hotel):
        point.refresh_from_db()
        assert point.name == "Lighthouse café"
        assert point.translations == {
            "de": {"name": "Leuchtturm-Café", "description": "Kaffee am Meer"}
        }

    german = guest_browser(hotel, "de")[0].get("/map/").content.decode()
    russian = guest_browser(hotel, "ru")[0].get("/map/").content.decode()
    assert "Leuchtturm-Café" in german
    assert "Kaffee am Meer" in german
    assert "Lighthouse café" not in german
    assert "Lighthouse café" in russian
    assert "Coffee by the sea" in russian

    missing = owner.get("/staff/translations/").content.decode()
    assert f"/staff/content/map-points/{point.pk}/#lang-ru" in missing
    assert f"/staff/content/map-points/{point.pk}/#lang-de" not in missing


def test_a_room_type_shows_in_the_guests_language_on_the_stay(hotel):
    with tenant_context(hotel):
        branding_update(content_languages=["en", "de"])
        room = Room.objects.create(number="501", kind="Sea-view suite")
        other = Room.objects.create(number="502", kind="Garden room")
    owner = owner_browser(hotel)
    saved = owner.post(
        f"/staff/content/rooms/{room.pk}/",
        {"number": "501", "kind": "Sea-view suite", "kind__de": "Suite mit Meerblick"},
    )
    assert saved.status_code == 302

    browsers = {}
    for language in ("de", "en"):
        browser, profile = guest_browser(hotel, language)
        with tenant_context(hotel):
            today = timezone.localdate()
            stay = stay_create(client=profile, arrival=today,
                               departure=today + dt.timedelta(days=2),
                               by=User.objects.get(email="owner@hotel.example.com"))  # fmt: skip
            Stay.objects.filter(pk=stay.pk).update(room=room)
        browsers[language] = browser
    assert "501 · Suite mit Meerblick" in browsers["de"].get("/stay/").content.decode()
    assert "501 · Sea-view suite" in browsers["en"].get("/stay/").content.decode()

    missing = owner.get("/staff/translations/").content.decode()
    assert f"/staff/content/rooms/{other.pk}/#lang-de" in missing
    assert f"/staff/content/rooms/{room.pk}/#lang-de" not in missing
