"""Pictures where people expect them: on events, information pages and (on a hotel) rooms, each
re-encoded upright without its metadata, WebP kept WebP, with a small rendition for lists and
srcset, counted against the plan's storage; the old files go when a picture is replaced."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.common.images import small_name
from cabinet.content.models import InfoPage
from rbac.models import StaffProfile
from rbac.roles import role_set
from tests.factories import UserFactory


@pytest.fixture
def manager_client(hotel, hotel_client):
    with tenant_context(hotel):
        manager = UserFactory(is_staff=True)
        role_set(user=manager, role=StaffProfile.Role.MANAGER)
        hotel_client.force_login(manager)
    return hotel_client


@pytest.fixture
def guest_client(hotel):
    browser = Client(HTTP_HOST=f"{hotel.slug}.localhost")
    with tenant_context(hotel):
        browser.force_login(ClientProfile.objects.create(user=UserFactory()).user)
    return browser


def photo(fmt: str = "JPEG", size=(300, 200), orientation: int | None = None) -> bytes:
    """A photo as a phone makes it: the GPS position in its EXIF, maybe an orientation."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x8825] = {2: (55.0, 45.0, 0.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def event_data(event: Event, **extra) -> dict:
    local = timezone.localtime
    return {"kind": event.kind, "title": event.title, "description": event.description,
            "location": event.location,
            "starts_at": local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": local(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "capacity": event.capacity, "price": str(event.price), "currency": event.currency,
            "cutoff_minutes": event.cutoff_minutes,
            "cancel_window_minutes": event.cancel_window_minutes,
            "max_seats_per_booking": event.max_seats_per_booking, **extra}  # fmt: skip


def an_event(hotel) -> Event:
    with tenant_context(hotel):
        start = timezone.now() + dt.timedelta(days=3)
        return Event.objects.create(title="Sunset cruise", starts_at=start,
                                    ends_at=start + dt.timedelta(hours=2), capacity=10)  # fmt: skip


def test_an_event_picture_is_turned_upright_stripped_and_kept_in_two_sizes(
    hotel, manager_client, guest_client
):
    # given a phone photo taken sideways (EXIF orientation 6: rotate 90°) with a GPS position
    event = an_event(hotel)
    upload = SimpleUploadedFile("IMG_2.jpg", photo(orientation=6), content_type="image/jpeg")

    # when the manager puts it on the event
    response = manager_client.post(f"/staff/content/events/{event.pk}/",
                                   event_data(event, image=upload))  # fmt: skip

    # then it is stored upright, as JPEG, without EXIF, and a small rendition sits beside it
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(hotel):
        event.refresh_from_db()
        assert event.image.name.startswith("events/")
        assert event.image.name.endswith(".jpg")
        with event.image.open("rb") as stored, Image.open(stored) as image:
            assert image.size == (200, 300)
            assert image.format == "JPEG"
            assert not image.getexif()
        assert event.image.storage.exists(small_name(event.image.name))
        small_url = event.image.small_url
    # and clients see it on the events page: small first, the full one in srcset, lazily
    page = guest_client.get("/events/").content.decode()
    assert f'src="{small_url}"' in page
    assert guest_client.get(small_url).status_code == 200  # served from the cabinet's own host
    assert guest_client.get(event.image.url).status_code == 200
    assert f"{event.image.url} 1200w" in page
    assert 'loading="lazy"' in page


def test_a_webp_picture_stays_webp_and_a_big_one_is_shrunk(hotel, manager_client):
    event = an_event(hotel)
    upload = SimpleUploadedFile("p.webp", photo("WEBP", (2400, 1600)), content_type="image/webp")
    manager_client.post(f"/staff/content/events/{event.pk}/", event_data(event, image=upload))
    with tenant_context(hotel):
        event.refresh_from_db()
        assert event.image.name.endswith(".webp")
        with event.image.open("rb") as stored, Image.open(stored) as image:
            assert (image.format, image.size) == ("WEBP", (1200, 800))
            assert not image.getexif()
        small = event.image.storage.open(small_name(event.image.name))
        with small, Image.open(small) as image:
            assert (image.format, image.size) == ("WEBP", (400, 267))


def test_replacing_a_picture_deletes_the_old_files(
    hotel, manager_client, django_capture_on_commit_callbacks
):
    event = an_event(hotel)
    first = SimpleUploadedFile("a.jpg", photo(size=(100, 80)), content_type="image/jpeg")
    manager_client.post(f"/staff/content/events/{event.pk}/", event_data(event, image=first))
    with tenant_context(hotel):
        event.refresh_from_db()
        old, storage = event.image.name, event.image.storage
    second = SimpleUploadedFile("b.jpg", photo(size=(90, 80)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/staff/content/events/{event.pk}/", event_data(event, image=second))
    with tenant_context(hotel):
        event.refresh_from_db()
        assert event.image.name != old
        assert event.image.storage.exists(event.image.name)
    assert not storage.exists(old)
    assert not storage.exists(small_name(old))
    assert not storage.exists(small_name(old, "thumb"))


def test_a_picture_over_the_storage_quota_is_refused_and_nothing_is_lost(
    hotel, manager_client, monkeypatch
):
    event = an_event(hotel)
    monkeypatch.setattr("cabinet.common.storage_quota.tenant_media_bytes", lambda schema: 10**13)
    upload = SimpleUploadedFile("a.jpg", photo(), content_type="image/jpeg")
    response = manager_client.post(f"/staff/content/events/{event.pk}/",
                                   event_data(event, image=upload, title="Renamed"))  # fmt: skip
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    with tenant_context(hotel):
        event.refresh_from_db()
        assert (event.title, event.image.name) == ("Sunset cruise", "")


def test_information_pages_show_a_thumbnail_in_the_list_and_the_picture_on_the_page(
    hotel, manager_client, guest_client
):
    with tenant_context(hotel):
        page = InfoPage.objects.create(slug="spa", title="Spa", body="Sauna and pool.")
    upload = SimpleUploadedFile("spa.png", photo("PNG"), content_type="image/png")
    response = manager_client.post(f"/staff/content/pages/{page.pk}/", {
        "title": "Spa", "kind": page.kind, "body": page.body, "position": 0,
        "is_published": "on", "image": upload,
    })  # fmt: skip
    assert response.status_code == 302
    with tenant_context(hotel):
        page.refresh_from_db()
        assert page.image.name.endswith(".png")
        thumb_url, url = page.image.thumb_url, page.image.url
        with page.image.storage.open(small_name(page.image.name, "thumb")) as thumb:
            assert max(Image.open(thumb).size) == 160  # lists load a thumbnail, not the picture
    assert guest_client.get(thumb_url).status_code == 200
    listing = guest_client.get("/info/").content.decode()
    assert f'src="{thumb_url}"' in listing
    detail = guest_client.get("/info/spa/").content.decode()
    assert f"{url} 1200w" in detail
    # the staff list shows the thumbnail too, and the editor offers a drop zone
    assert f'src="{thumb_url}"' in manager_client.get("/staff/content/pages/").content.decode()
    editor = manager_client.get(f"/staff/content/pages/{page.pk}/").content.decode()
    assert "data-drop-zone" in editor


def test_a_file_that_is_not_a_picture_is_refused_on_an_event(hotel, manager_client):
    event = an_event(hotel)
    upload = SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    response = manager_client.post(f"/staff/content/events/{event.pk}/",
                                   event_data(event, image=upload))  # fmt: skip
    assert response.status_code == 400
    with tenant_context(hotel):
        event.refresh_from_db()
        assert event.image.name == ""


def test_deleting_an_event_deletes_its_picture(
    hotel, manager_client, django_capture_on_commit_callbacks
):
    event = an_event(hotel)
    upload = SimpleUploadedFile("a.jpg", photo(size=(100, 80)), content_type="image/jpeg")
    manager_client.post(f"/staff/content/events/{event.pk}/", event_data(event, image=upload))
    with tenant_context(hotel):
        event.refresh_from_db()
        name, storage = event.image.name, event.image.storage
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(f"/staff/content/events/{event.pk}/delete/").status_code == 302
    assert not storage.exists(name)
    assert not storage.exists(small_name(name))
