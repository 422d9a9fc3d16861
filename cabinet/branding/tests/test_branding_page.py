"""The owner's branding page: texts, colours with a contrast check, font pairings, the logo and
the cover photo, each change audited; the client's pages, icons and stylesheet follow."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.branding.contrast import WHITE, contrast_ratio, darkened_to, readable_on
from cabinet.branding.models import Branding, cover_small_name
from cabinet.branding.selectors import branding_get
from cabinet.branding.services import branding_update
from rbac.models import AuditEntry, User
from tests.factories import UserFactory


@pytest.fixture
def owner_client(hotel, hotel_client, eager_tasks):
    with tenant_context(hotel):
        branding_update(primary_colour="#1f5f8b", accent_colour="#e0a100", font="system")
        hotel_client.force_login(User.objects.get(email="owner@hotel.example.com"))
    return hotel_client


def _form(**overrides: object) -> dict:
    data = {
        "display_name": "Villa Mare",
        "tagline": "Sea, sun and you",
        "welcome_text": "Glad you are here.",
        "primary_colour": "#0b5394",
        "accent_colour": "#f1c232",
        "font": "elegant",
        # the page's second form, as a browser posts it untouched
        "legal-receipt_prefix": "R-",
        "legal-invoice_prefix": "INV-",
        "legal-voucher_prefix": "V-",
    }
    return {**data, **overrides}


def _picture(kind: str = "JPEG", size: tuple[int, int] = (1200, 800), orientation: int = 0):
    image = Image.new("RGB", size, "#3a7")
    out = io.BytesIO()
    extra = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation  # Orientation: 6 = rotate 90° clockwise to view
        exif[0x010F] = "SecretCam"  # Make: metadata that must not survive
        extra["exif"] = exif
    image.save(out, format=kind, **extra)
    name = {"JPEG": "photo.jpg", "WEBP": "photo.webp", "PNG": "logo.png"}[kind]
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{kind.lower()}")


# --- who may open it -------------------------------------------------------------------------


def test_the_owner_opens_the_branding_page(owner_client):
    response = owner_client.get("/staff/branding/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="brand-preview"' in html
    assert 'data-heading="&quot;Playfair Display&quot;' in html  # each pairing feeds the preview
    assert "/staff/branding/" in owner_client.get("/staff/").content.decode()


@pytest.mark.parametrize("is_staff", [True, False])
def test_other_staff_and_clients_are_refused(hotel, hotel_client, is_staff):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=is_staff))
    assert hotel_client.get("/staff/branding/").status_code == 403
    assert hotel_client.post("/staff/branding/", _form()).status_code == 403
    with tenant_context(hotel):
        assert branding_get().display_name != "Villa Mare"


def test_a_visitor_is_sent_to_sign_in(hotel_client):
    response = hotel_client.get("/staff/branding/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- saving ----------------------------------------------------------------------------------


def test_a_change_is_saved_audited_and_shown_to_clients(hotel, owner_client):
    response = owner_client.post("/staff/branding/", _form())
    assert response.status_code == 302
    with tenant_context(hotel):
        branding = Branding.objects.get()
        assert (branding.display_name, branding.font) == ("Villa Mare", "elegant")
        entry = AuditEntry.objects.filter(action="branding.updated").latest("pk")
        assert entry.changes["primary_colour"] == ["#1f5f8b", "#0b5394"]
        assert entry.actor.email == "owner@hotel.example.com"
    home = owner_client.get("/").content.decode()
    stylesheet = re.search(r'href="(/branding\.css\?v=\d+)"', home).group(1)
    css = owner_client.get(stylesheet).content.decode()
    assert "--brand-primary: #0b5394" in css
    assert "--brand-on-accent: #14171a" in css  # dark text on the light yellow accent
    assert '--brand-font-heading: "Playfair Display"' in css
    assert '--brand-font: "Manrope"' in css


def test_a_colour_white_text_cannot_be_read_on_is_refused_with_a_fix(hotel, owner_client):
    response = owner_client.post("/staff/branding/", _form(primary_colour="#f1c232"))
    assert response.status_code == 400
    html = response.content.decode()
    fix = re.search(r'data-use-colour="(#[0-9a-f]{6})"', html).group(1)
    assert contrast_ratio(fix, WHITE) >= 4.5
    assert "4.5:1" in html
    with tenant_context(hotel):
        assert Branding.objects.get().primary_colour == "#1f5f8b"  # nothing saved
        assert not AuditEntry.objects.filter(action="branding.updated").exists()
    assert owner_client.post("/staff/branding/", _form(primary_colour=fix)).status_code == 302


@pytest.mark.parametrize(
    ("field", "value"),
    [("primary_colour", "blue"), ("font", "comic-sans"), ("display_name", "")],
)
def test_bad_input_is_a_400_that_saves_nothing(hotel, owner_client, field, value):
    response = owner_client.post("/staff/branding/", _form(**{field: value}))
    assert response.status_code == 400
    with tenant_context(hotel):
        assert Branding.objects.get().display_name != "Villa Mare"


# --- pictures --------------------------------------------------------------------------------


def test_a_cover_photo_is_turned_upright_stripped_and_offered_in_two_sizes(hotel, owner_client):
    upload = _picture(size=(1200, 800), orientation=6)
    assert owner_client.post("/staff/branding/", _form(cover=upload)).status_code == 302
    with tenant_context(hotel):
        branding = Branding.objects.get()
        with branding.cover.open("rb") as raw, Image.open(raw) as stored:
            assert stored.format == "JPEG"
            assert stored.size == (800, 1200)  # rotated as the camera meant
            assert 0x010F not in stored.getexif()  # the camera's metadata is gone
        small = branding.cover.storage.open(cover_small_name(branding.cover.name))
        with Image.open(small) as phone:
            assert max(phone.size) == 800
        assert AuditEntry.objects.filter(action="branding.cover_set").exists()
    html = owner_client.get("/").content.decode()
    assert 'class="hero-cover"' in html
    assert " 800w" in html
    assert " 1600w" in html


def test_a_webp_cover_stays_webp(hotel, owner_client):
    assert owner_client.post("/staff/branding/", _form(cover=_picture("WEBP"))).status_code == 302
    with tenant_context(hotel):
        assert Branding.objects.get().cover.name.endswith(".webp")


def test_an_svg_logo_is_refused_and_nothing_is_saved(hotel, owner_client):
    svg = SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    response = owner_client.post("/staff/branding/", _form(logo=svg))
    assert response.status_code == 400
    assert "SVG" in response.content.decode()
    with tenant_context(hotel):
        branding = Branding.objects.get()
        assert not branding.logo
        assert branding.display_name != "Villa Mare"


def test_the_logo_becomes_the_icons_and_can_be_removed(hotel, owner_client):
    assert owner_client.post("/staff/branding/", _form(logo=_picture("PNG"))).status_code == 302
    with tenant_context(hotel):
        assert Branding.objects.get().logo
    for size in (32, 180, 192, 512):
        icon = owner_client.get(f"/icons/{size}.png")
        assert icon.status_code == 200
        assert Image.open(io.BytesIO(icon.content)).size == (size, size)
    assert owner_client.post("/staff/branding/logo/remove/").status_code == 302
    with tenant_context(hotel):
        assert not Branding.objects.get().logo
        assert AuditEntry.objects.filter(action="branding.logo_removed").exists()
    assert owner_client.post("/staff/branding/banner/remove/").status_code == 302  # no such picture


def test_the_manifest_and_favicon_follow_the_branding(hotel, owner_client):
    owner_client.post("/staff/branding/", _form())
    manifest = owner_client.get("/manifest.webmanifest").json()
    assert manifest["name"] == "Villa Mare"
    assert manifest["theme_color"] == "#0b5394"
    assert all("?v=" in icon["src"] for icon in manifest["icons"])
    assert re.search(
        r'rel="icon" href="/icons/32\.png\?v=\d+"', owner_client.get("/").content.decode()
    )


# --- contrast --------------------------------------------------------------------------------


def test_contrast_is_measured_as_wcag_does():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert readable_on("#ffd000") == "#14171a"
    assert readable_on("#0b5394") == WHITE


@pytest.mark.parametrize("colour", ["#ffd000", "#e0a100", "#7fdbff", "#ff4136", "#cccccc"])
def test_the_proposed_fix_passes_and_keeps_the_hue(colour):
    fix = darkened_to(colour, ratio=4.5)
    assert contrast_ratio(fix, WHITE) >= 4.5
    assert contrast_ratio(fix, WHITE) < 5.2  # just enough darker, not black


# --- documents carry the letterhead ----------------------------------------------------------


def test_receipts_carry_the_business_details_numbers_and_vat(hotel, owner_client):
    from decimal import Decimal

    from pypdf import PdfReader

    from cabinet.accounts.models import ClientProfile
    from cabinet.catalog.models import CatalogItem
    from cabinet.checkout.placing import order_place
    from cabinet.documents.services import order_document_build
    from cabinet.wallet.services import wallet_top_up

    legal = {
        "legal-legal_name": "Seaside Resorts LLC",
        "legal-address": "1 Harbour Road\nPortville",
        "legal-tax_id": "VAT DE123456789",
        "legal-vat_percent": "20",
        "legal-receipt_prefix": "SR-",
        "legal-invoice_prefix": "INV-",
        "legal-voucher_prefix": "V-",
    }
    assert owner_client.post("/staff/branding/", {**_form(), **legal}).status_code == 302
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="business_details.updated").exists()
        profile = ClientProfile.objects.create(user=UserFactory(full_name="Greta"))
        wallet_top_up(client=profile, amount=Decimal("500.00"))
        item = CatalogItem.objects.get(name="Bottle of champagne")
        orders = [
            order_place(client=profile, wanted={item.pk: n}, payment="balance", submission_key=k)
            for n, k in ((1, "a"), (2, "b"))
        ]
        first, second = (order_document_build(order_id=order.pk) for order in orders)
        with first.file.open("rb") as raw:
            text = PdfReader(raw).pages[0].extract_text()
    year = first.created_at.year
    assert first.number == f"SR-{year}-000001"
    assert second.number == f"SR-{year}-000002"
    for expected in ("Villa Mare", f"Receipt SR-{year}-000001", "Seaside Resorts LLC",
                     "1 Harbour Road Portville", "VAT DE123456789", "incl. VAT 20 %", "€7.50",
                     "€45.00"):  # fmt: skip
        assert expected in text, expected
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates on paper


@pytest.mark.parametrize(
    ("field", "value"), [("legal-vat_percent", "120"), ("legal-receipt_prefix", "x" * 13)]
)
def test_absurd_business_details_are_refused(hotel, owner_client, field, value):
    response = owner_client.post("/staff/branding/", {**_form(), field: value})
    assert response.status_code == 400
    with tenant_context(hotel):
        assert Branding.objects.get().display_name != "Villa Mare"
