"""The design system: one type scale and one 8 px spacing scale used by the whole stylesheet,
dark mode that keeps the tenant's colours legible, the components (steppers, drop zones, tabs,
bottom sheets, empty states, skeletons) used on the pages and shown together on /staff/design/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.branding.contrast import DARK_CARD, TEXT_RATIO, UI_RATIO, contrast_ratio, lightened_to
from cabinet.branding.services import branding_update
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory

STYLESHEET = Path(settings.BASE_DIR) / "frontend_templates" / "static" / "css" / "kabinet.css"


def signed_in(tenant, user) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def rules_outside_root() -> str:
    """The stylesheet without the :root blocks, where the scales themselves are declared."""
    return re.sub(r":root\s*\{[^}]*\}", "", STYLESHEET.read_text())


def test_every_font_size_is_on_the_type_scale():
    sizes = re.findall(r"font-size:\s*([^;}]+)", rules_outside_root())
    off_scale = [
        size for size in sizes if not re.fullmatch(r"var\(--text-[a-z0-9]+\)", size.strip())
    ]
    assert sizes
    assert off_scale == []


def test_every_padding_margin_and_gap_is_on_the_spacing_scale():
    declarations = re.findall(
        r"(?<![\w-])(?:padding|margin|gap|row-gap|column-gap)(?:-[a-z]+)?\s*:\s*([^;}]+)",
        rules_outside_root(),
    )
    # lengths computed from a width or the safe area (centring, the tab bar's height) are
    # geometry, not spacing; hairlines (1–2 px) belong to borders
    geometry = re.compile(r"calc\([^;]*?(?:%|env\()[^;]*\)")
    off_scale = [
        value
        for value in declarations
        for px in re.findall(r"(?<![\w.-])(\d+)px", geometry.sub("", value))
        if int(px) > 2
    ]
    assert declarations
    assert off_scale == []


def test_dark_mode_turns_the_surfaces_and_lightens_the_brand_for_links():
    css = STYLESHEET.read_text()
    assert "@media (prefers-color-scheme: dark)" in css
    assert "--brand-link: var(--brand-primary-on-dark" in css


@pytest.mark.parametrize("colour", ["#1f5f8b", "#0b3d2e", "#5b1a8c", "#000000", "#e0a100"])
def test_the_dark_mode_shades_reach_aa_on_the_dark_card(colour):
    assert contrast_ratio(lightened_to(colour, ratio=TEXT_RATIO), DARK_CARD) >= TEXT_RATIO
    assert contrast_ratio(lightened_to(colour, ratio=UI_RATIO), DARK_CARD) >= UI_RATIO


def test_branding_css_carries_the_dark_mode_shades_of_the_owners_colours(hotel, hotel_client):
    with tenant_context(hotel):
        branding_update(primary_colour="#0b3d2e", accent_colour="#8a5a00")
    css = hotel_client.get("/branding.css").content.decode()
    link = re.search(r"--brand-primary-on-dark: (#[0-9a-f]{6});", css).group(1)
    mark = re.search(r"--brand-accent-on-dark: (#[0-9a-f]{6});", css).group(1)
    assert contrast_ratio(link, DARK_CARD) >= TEXT_RATIO
    assert contrast_ratio(mark, DARK_CARD) >= UI_RATIO


def test_the_owner_sees_every_component_on_the_design_page(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    browser = signed_in(hotel, owner)
    page = browser.get("/staff/design/").content.decode()
    for piece in ('class="button"', "button-outline", "data-stepper", "data-drop-zone",
                  'class="tabs"', "bottom-sheet-panel", "empty-state", "skeleton-line",
                  'aria-describedby="id_email_error', "--text-3xl", "--space-6",
                  "--brand-primary-on-dark", "i-bed-double"):  # fmt: skip
        assert piece in page, piece
    # and it is linked from Settings
    assert 'href="/staff/design/"' in browser.get("/staff/").content.decode()


def test_an_operator_neither_sees_nor_opens_the_design_page(hotel):
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
    browser = signed_in(hotel, operator)
    assert browser.get("/staff/design/").status_code == 403
    assert 'href="/staff/design/"' not in browser.get("/staff/").content.decode()


def test_client_pages_use_the_components(hotel):
    with tenant_context(hotel):
        guest = ClientProfile.objects.create(user=UserFactory()).user
    browser = signed_in(hotel, guest)
    services = browser.get("/services/").content.decode()
    assert "data-stepper" in services  # quantities are steppers
    bookings = browser.get("/bookings/").content.decode()
    assert 'class="tabs"' in bookings
    assert "empty-state" in bookings  # "Nothing yet — this fills in when…"
    assert "Nothing yet" in bookings
