"""Signing up offers colours and a logo as an optional step: the new owner lands on it, may
skip it, and what they choose lands in the same branding the branding page edits (the same
audited services)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.branding.models import Branding
from rbac.models import AuditEntry, StaffProfile
from rbac.roles import role_set
from tenants.models import Tenant
from tests.factories import UserFactory
from tests.tenants.test_signup import VALID, follow_handoff


def signed_up(platform_client) -> Client:
    return follow_handoff(platform_client.post("/signup/", VALID)["Location"])


def logo_png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 90, 60)).save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def test_the_new_owner_lands_on_the_step_and_may_skip_it(platform_client):
    owner = signed_up(platform_client)
    page = owner.get("/staff/branding/start/").content.decode()
    assert 'type="color"' in page
    assert 'name="logo"' in page
    assert 'href="/staff/"' in page  # "Skip for now"
    assert "brand-preview" in page  # the same live preview as the branding page
    assert owner.get("/staff/").status_code == 200


def test_colours_and_logo_chosen_at_signup_land_in_the_branding_audited(
    platform_client, eager_tasks, django_capture_on_commit_callbacks
):
    owner = signed_up(platform_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post("/staff/branding/start/", {"primary_colour": "#0B5D3B",
                                                          "accent_colour": "#F2B134",
                                                          "logo": logo_png()})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/staff/branding/"
    with tenant_context(Tenant.objects.get(slug="sunrise")):
        branding = Branding.objects.get()
        assert (branding.primary_colour, branding.accent_colour) == ("#0b5d3b", "#f2b134")
        assert branding.logo.name.startswith("branding/logo-")  # re-encoded by the worker
        assert AuditEntry.objects.filter(action="branding.updated").exists()
        assert AuditEntry.objects.filter(action="branding.logo_set").exists()
    # the clients' pages carry them
    assert "--brand-primary: #0b5d3b" in owner.get("/branding.css").content.decode()


def test_a_colour_white_text_cannot_be_read_on_is_refused_with_a_fix(platform_client):
    owner = signed_up(platform_client)
    response = owner.post("/staff/branding/start/",
                          {"primary_colour": "#ffe066", "accent_colour": "#f2b134"})  # fmt: skip
    assert response.status_code == 400
    assert "data-use-colour" in response.content.decode()
    with tenant_context(Tenant.objects.get(slug="sunrise")):
        assert Branding.objects.get().primary_colour != "#ffe066"


def test_an_svg_logo_is_refused_and_the_colours_are_not_saved_either(platform_client):
    owner = signed_up(platform_client)
    svg = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)></svg>", content_type="image/png")
    response = owner.post("/staff/branding/start/",
                          {"primary_colour": "#0b5d3b", "accent_colour": "#f2b134",
                           "logo": svg})  # fmt: skip
    assert response.status_code == 400
    with tenant_context(Tenant.objects.get(slug="sunrise")):
        assert Branding.objects.get().primary_colour != "#0b5d3b"


def test_only_the_owner_opens_the_step(hotel):
    with tenant_context(hotel):
        operator = UserFactory(is_staff=True)
        role_set(user=operator, role=StaffProfile.Role.OPERATOR)
    browser = Client(HTTP_HOST=f"{hotel.slug}.localhost")
    with tenant_context(hotel):
        browser.force_login(operator)
    assert browser.get("/staff/branding/start/").status_code == 403
