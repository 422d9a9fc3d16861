"""Catalog items with a picture (re-encoded, metadata gone, served only on their own cabinet)
and an availability window (in the business's local time, possibly past midnight, on chosen
days): clients see when an item can be ordered, and ordering outside it is refused."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.wallet.models import Wallet
from cabinet.wallet.services import wallet_top_up
from rbac.models import StaffProfile
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


def a_jpeg_with_gps(size=(3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (55.0, 45.0, 0.0)}  # GPSInfo: where the phone was
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def item_data(item: CatalogItem, **extra) -> dict:
    return {"category": item.category_id, "name": item.name, "description": "",
            "price": str(item.price), "currency": item.currency, "unit": item.unit,
            "is_active": "on", **extra}  # fmt: skip


def champagne(hotel) -> CatalogItem:
    with tenant_context(hotel):
        return CatalogItem.objects.get(name="Bottle of champagne")


def test_a_picture_is_re_encoded_resized_and_stripped(hotel, staff_client):
    item = champagne(hotel)
    upload = SimpleUploadedFile("IMG_0001.jpg", a_jpeg_with_gps(), content_type="image/jpeg")
    response = staff_client.post(f"/staff/content/catalog/{item.pk}/",
                                 item_data(item, image=upload))  # fmt: skip
    assert response.status_code == 302
    with tenant_context(hotel):
        item.refresh_from_db()
        assert item.image.name.startswith("catalog/")
        assert "IMG_0001" not in item.image.name
        with item.image.open("rb") as stored, Image.open(stored) as image:
            assert max(image.size) == 1200
            assert 0x8825 not in image.getexif()
        url = item.image.url
    guest = Client(HTTP_HOST="hotel.localhost")
    assert guest.get(url).status_code == 200
    assert Client(HTTP_HOST="shop.localhost").get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [("evil.jpg", b"MZ\x90\x00 this is a windows program"), ("page.png", b"<html><script>"),
     ("empty.png", b""), ("doc.pdf", b"%PDF-1.4 not a picture")],
)  # fmt: skip
def test_a_file_that_is_not_a_picture_is_refused(hotel, staff_client, name, content):
    item = champagne(hotel)
    upload = SimpleUploadedFile(name, content)
    response = staff_client.post(f"/staff/content/catalog/{item.pk}/",
                                 item_data(item, image=upload, name="Changed"))  # fmt: skip
    assert response.status_code == 400
    with tenant_context(hotel):
        item.refresh_from_db()
        assert (item.name, item.image.name) == ("Bottle of champagne", "")


def test_an_oversized_picture_is_refused(hotel, staff_client):
    item = champagne(hotel)
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 5_100_000)
    response = staff_client.post(f"/staff/content/catalog/{item.pk}/",
                                 item_data(item, image=upload))  # fmt: skip
    assert response.status_code == 400
    assert "at most 5 MB" in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "message"),
    [({"available_from": "07:00"}, "both times"),
     ({"available_from": "07:00", "available_until": "07:00"}, "start and end at once"),
     ({"available_days": "8"}, "1 (Monday) to 7"),
     ({"available_days": "Mon"}, "1 (Monday) to 7"),
     ({"available_from": "25:00", "available_until": "07:00"}, "valid time")],
)  # fmt: skip
def test_bad_windows_are_refused(hotel, staff_client, extra, message):
    item = champagne(hotel)
    response = staff_client.post(f"/staff/content/catalog/{item.pk}/", item_data(item, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()


def window(item: CatalogItem, start: str, end: str, days: str = "") -> CatalogItem:
    item.available_from = dt.time.fromisoformat(start)
    item.available_until = dt.time.fromisoformat(end)
    item.available_days = days
    item.save()
    return item


@pytest.mark.parametrize(
    ("now", "start", "end", "days", "open_"),
    [("2026-12-01 12:00", "07:00", "23:00", "", True),
     ("2026-12-01 06:59", "07:00", "23:00", "", False),
     ("2026-12-01 23:30", "22:00", "02:00", "", True),
     ("2026-12-02 01:30", "22:00", "02:00", "", True),
     ("2026-12-02 02:00", "22:00", "02:00", "", False),
     ("2026-12-05 12:00", "07:00", "23:00", "12345", False),  # a Saturday
     ("2026-12-04 12:00", "07:00", "23:00", "12345", True)],
)  # fmt: skip
def test_the_window_is_kept_in_local_time(hotel, now, start, end, days, open_):
    with tenant_context(hotel):
        item = window(CatalogItem.objects.get(name="Bottle of champagne"), start, end, days)
        local = dt.datetime.fromisoformat(now)
        assert item.is_available_at(local) is open_


def test_ordering_outside_the_window_is_refused_and_nothing_is_paid(hotel):
    with tenant_context(hotel):
        item = window(CatalogItem.objects.get(name="Bottle of champagne"), "18:00", "23:00")
        guest = ClientProfile.objects.create(user=UserFactory())
        wallet_top_up(client=guest, amount=100)
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)):
        browser = Client(HTTP_HOST="hotel.localhost")
        with tenant_context(hotel):
            browser.force_login(guest.user)
        page = browser.get("/services/").content.decode()
        assert "Not now: orders 18:00–23:00" in page
        response = browser.post(
            "/orders/review/", {f"qty-{item.pk}": "1", "payment": "balance"}, follow=True
        )
        assert "can be ordered only 18:00–23:00" in response.content.decode()
        with tenant_context(hotel), pytest.raises(Exception, match="only 18:00"):
            order_place(client=guest, wanted={item.pk: 1}, payment="balance", submission_key="w")
    with tenant_context(hotel):
        assert not guest.orders.exists()
        assert Wallet.objects.get(client=guest).balance == 100
    with time_machine.travel(dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)), tenant_context(hotel):
        order_place(client=guest, wanted={item.pk: 1}, payment="balance", submission_key="w2")
