"""Tenant A's rows, sessions, cache entries and files are invisible from tenant B."""

import io

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.branding.models import Branding
from cabinet.branding.services import branding_logo_set
from rbac.models import User
from tests.conftest import host_of
from tests.factories import PASSWORD, UserFactory


def test_a_user_made_in_hotel_does_not_exist_in_shop(hotel, shop):
    # each schema has its own sequences, so the two rows may well share a primary key
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    with tenant_context(shop):
        reader = UserFactory(email="reader@shop.example.com")
        assert not User.objects.filter(email=guest.email).exists()
        assert list(User.objects.filter(pk=reader.pk).values_list("email", flat=True)) == [
            reader.email
        ]
    with tenant_context(hotel):
        assert not User.objects.filter(email=reader.email).exists()
        assert User.objects.get(pk=guest.pk).email == guest.email


def test_hotel_credentials_do_not_sign_in_on_shop(hotel, shop_client):
    with tenant_context(hotel):
        UserFactory(email="guest@example.com")
    response = shop_client.post(
        "/accounts/login/", {"login": "guest@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400  # the form again, with an error
    assert "_auth_user_id" not in shop_client.session


def test_a_hotel_session_cookie_is_worthless_on_shop(hotel, shop, hotel_client):
    # given a guest signed in on hotel
    with tenant_context(hotel):
        UserFactory(email="guest@example.com")
    response = hotel_client.post(
        "/accounts/login/", {"login": "guest@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    cookie = hotel_client.cookies["sessionid"]
    assert cookie["domain"] == ""  # host-only: the browser never sends it to another host
    assert b"Welcome back" in hotel_client.get("/").content
    # when the same cookie is presented to shop
    intruder = Client(HTTP_HOST=host_of(shop))
    intruder.cookies["sessionid"] = cookie.value
    page = intruder.get("/")
    # then shop does not know the session
    assert b"Welcome back" not in page.content
    assert b"Sign in to your cabinet" in page.content


def test_cache_entries_are_per_tenant(hotel, shop):
    with tenant_context(hotel):
        cache.set("greeting", "hello from hotel")
        assert cache.get("greeting") == "hello from hotel"
    with tenant_context(shop):
        assert cache.get("greeting") is None
        cache.set("greeting", "hello from shop")
    with tenant_context(hotel):
        assert cache.get("greeting") == "hello from hotel"


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_an_uploaded_file_is_stored_per_tenant_and_served_only_on_its_host(
    hotel, hotel_client, shop_client, settings
):
    with tenant_context(hotel):
        branding = branding_logo_set(upload=_png())
        path = branding.logo.name
        stored = branding.logo.path
    assert f"/{hotel.schema_name}/" in stored
    url = f"/media/{path}"
    assert hotel_client.get(url).status_code == 200
    assert shop_client.get(url).status_code == 404


def test_media_paths_cannot_escape_the_tenant_folder(hotel, hotel_client):
    with tenant_context(hotel):
        branding_logo_set(upload=_png())
    for probe in (
        "/media/../shop/branding/x",
        "/media/%2e%2e/shop/branding/x",
        "/media//etc/passwd",
    ):
        assert hotel_client.get(probe).status_code == 404


def test_branding_rows_are_per_tenant(hotel, shop):
    with tenant_context(hotel):
        Branding.objects.update(display_name="Only Hotel")
    with tenant_context(shop):
        assert Branding.objects.get().display_name == "Shop Test"
