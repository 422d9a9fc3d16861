"""A brand change on the branding page reaches everything that leaves the cabinet: the emails,
the PDFs and the installed app (manifest and icons), not only the pages."""

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image
from pypdf import PdfReader

from cabinet.accounts.models import ClientProfile
from cabinet.branding.tests.test_branding_page import _form, _picture
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.documents.services import order_document_build
from cabinet.notifications.services import _send_email
from cabinet.wallet.services import wallet_top_up
from rbac.models import User
from tests.factories import UserFactory

RED = "#a61c3c"  # white text reads on it at AA


@pytest.fixture
def rebranded(hotel, eager_tasks, django_capture_on_commit_callbacks) -> Client:
    """The owner saves a new name, colour and logo on the branding page."""
    owner = Client(HTTP_HOST=f"{hotel.slug}.localhost")
    with tenant_context(hotel):
        owner.force_login(User.objects.get(email="owner@hotel.example.com"))
    before = owner.get("/icons/192.png").content
    with django_capture_on_commit_callbacks(execute=True):
        logo = _picture("PNG", (400, 400))
        response = owner.post("/staff/branding/", _form(primary_colour=RED, logo=logo))
    assert response.status_code == 302
    owner.icon_before = before
    return owner


def test_the_emails_carry_the_new_name_colour_and_logo(hotel, rebranded):
    with tenant_context(hotel):
        _send_email(UserFactory(full_name="Greta"), "Order #1: accepted", "Champagne", "/orders/1/")
    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert RED in html
    assert "Villa Mare" in html
    assert "/media/branding/logo-" in html  # the logo, from the cabinet's own host


def test_the_pdfs_carry_the_new_colour_and_logo(hotel, rebranded):
    with tenant_context(hotel):
        profile = ClientProfile.objects.create(user=UserFactory(full_name="Greta"))
        wallet_top_up(client=profile, amount=Decimal("100.00"))
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(client=profile, wanted={item.pk: 1}, payment="balance",
                            submission_key="brand")  # fmt: skip
        document = order_document_build(order_id=order.pk)
        with document.file.open("rb") as raw:
            page = PdfReader(io.BytesIO(raw.read())).pages[0]
    assert "Villa Mare" in page.extract_text()
    images = page["/Resources"].get("/XObject", {})
    assert any(obj.get_object()["/Subtype"] == "/Image" for obj in images.values())  # the logo
    red = [int(RED[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    stream = page.get_contents().get_data().decode("latin-1")
    fills = [[float(c) for c in m] for m in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", stream)]
    assert any(fill == pytest.approx(red, abs=0.002) for fill in fills)  # the band's colour


def test_the_installed_app_takes_the_new_name_colour_and_icon(hotel, rebranded):
    manifest = rebranded.get("/manifest.webmanifest").json()
    assert (manifest["name"], manifest["theme_color"]) == ("Villa Mare", RED)
    icon = rebranded.get("/icons/192.png").content
    assert icon != rebranded.icon_before  # made from the logo now
    assert Image.open(io.BytesIO(icon)).size == (192, 192)
    assert f"--brand-primary: {RED}" in rebranded.get("/branding.css").content.decode()
