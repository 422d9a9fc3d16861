"""Files count against the plan's storage: a picture, an attachment or a logo that would go over
it is refused with a clear message (the plan's words for staff, a plain one for clients), and the
owner sees the files' size against the quota."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image

from billing.models import Plan, Subscription
from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.messaging.models import Message
from rbac.models import User
from tenants.storage import tenant_media_forget
from tests.factories import UserFactory


@pytest.fixture
def small_plan(hotel):
    """The hotel on a default plan of 2 MB, already holding 1.5 MB of files."""
    Subscription.objects.filter(tenant=hotel).delete()
    Plan.objects.filter(is_default=True).update(storage_mb=2)
    folder = f"{settings.MEDIA_ROOT}/{hotel.schema_name}/private/old"
    os.makedirs(folder, exist_ok=True)
    with open(folder + "/archive.bin", "wb") as handle:
        handle.write(b"0" * 1_500_000)
    tenant_media_forget(hotel.schema_name)
    yield hotel
    os.remove(folder + "/archive.bin")
    tenant_media_forget(hotel.schema_name)


def a_png(side: int) -> bytes:
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def browser_for(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def test_a_picture_that_would_go_over_the_plan_is_refused(small_plan):
    with tenant_context(small_plan):
        owner = User.objects.get(email="owner@hotel.example.com")
        item = CatalogItem.objects.get(name="Bottle of champagne")
    desk = browser_for(small_plan, owner)
    page = desk.get("/staff/billing/").content.decode()
    assert "2 of 2 MB" in page  # 1.5 MB, rounded up
    upload = SimpleUploadedFile("big.png", a_png(900), content_type="image/png")
    data = {"category": item.category_id, "name": item.name, "description": "", "price": "45",
            "currency": "EUR", "unit": "item", "is_active": "on", "image": upload}  # fmt: skip
    response = desk.post(f"/staff/content/catalog/{item.pk}/", data)
    assert response.status_code == 400
    assert "Upgrade your plan" in response.content.decode()
    with tenant_context(small_plan):
        item.refresh_from_db()
        assert not item.image


def test_a_clients_attachment_over_the_plan_gets_a_plain_message(small_plan):
    with tenant_context(small_plan):
        guest = ClientProfile.objects.create(user=UserFactory())
    browser = browser_for(small_plan, guest.user)
    upload = SimpleUploadedFile("photo.png", a_png(900), content_type="image/png")
    response = browser.post("/messages/send/", {"body": "see", "attachment": upload}, follow=True)
    page = response.content.decode()
    assert "no room for more files" in page
    assert "Upgrade" not in page
    with tenant_context(small_plan):
        assert not Message.objects.filter(thread__client=guest).exists()


def test_within_the_plan_files_are_kept(hotel):
    with tenant_context(hotel):
        guest = ClientProfile.objects.create(user=UserFactory())
    browser = browser_for(hotel, guest.user)
    upload = SimpleUploadedFile("photo.png", a_png(60), content_type="image/png")
    browser.post("/messages/send/", {"body": "see", "attachment": upload})
    with tenant_context(hotel):
        assert Message.objects.get(thread__client=guest).attachment
