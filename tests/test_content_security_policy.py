"""A Content-Security-Policy without 'unsafe-inline': pages carry no inline script or style
(the branding is a stylesheet of its own), htmx runs without eval, and the header says so."""

import re

import pytest
from django_tenants.utils import tenant_context

from cabinet.branding.services import branding_update
from rbac.models import User
from tests.factories import UserFactory

# A <script> without src that the browser would run (a JSON data block is data, not script).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.IGNORECASE)


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_policy_allows_only_our_origin_and_nothing_inline(hotel_client):
    directives = policy(hotel_client.get("/"))

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in " ".join(directives.values())


@pytest.mark.parametrize(
    "url", ["/", "/services/", "/events/", "/stay/", "/map/", "/wallet/", "/account/",
            "/staff/", "/staff/stays/", "/accounts/login/"],
)  # fmt: skip
def test_no_page_carries_inline_script_or_style(hotel, hotel_client, url):
    with tenant_context(hotel):
        user = (
            User.objects.get(email="owner@hotel.example.com")
            if url.startswith("/staff/")
            else UserFactory()
        )
        if not user.is_staff:
            from cabinet.accounts.models import ClientProfile

            ClientProfile.objects.create(user=user)
    if url != "/accounts/login/":
        with tenant_context(hotel):
            hotel_client.force_login(user)

    page = hotel_client.get(url).content.decode()

    assert not INLINE_SCRIPT.search(page), url
    assert not INLINE_STYLE.search(page), url
    assert '"allowEval": false' in page


def test_the_branding_is_a_stylesheet_that_follows_its_changes(hotel, hotel_client):
    page = hotel_client.get("/").content.decode()
    link = re.search(r'href="(/branding\.css\?v=\d+)"', page).group(1)
    with tenant_context(hotel):
        branding_update(primary_colour="#123456")

    css = hotel_client.get(link)
    again = re.search(r'href="(/branding\.css\?v=\d+)"', hotel_client.get("/").content.decode())

    assert css["Content-Type"].startswith("text/css")
    assert "--brand-primary: #123456;" in css.content.decode()
    assert "max-age=86400" in css["Cache-Control"]
    assert again.group(1) != link or "#123456" in css.content.decode()


def test_only_the_api_reference_relaxes_styles(platform_client):
    redoc = platform_client.get("/api/redoc/")
    swagger = platform_client.get("/api/docs/")

    assert "'unsafe-inline'" in policy(redoc)["style-src"]
    assert "fonts.googleapis.com" not in redoc.content.decode()
    assert policy(swagger)["script-src"] == "'self'"
    assert not INLINE_SCRIPT.search(swagger.content.decode())
