"""What a person sees at an address with nothing behind it, or when the server fails: a page of
ours in their language with a way back, not the bare default; the API answers JSON instead."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver

from config import errors


def test_a_missing_cabinet_page_is_our_page_with_a_way_back(hotel_client):
    response = hotel_client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/"' in html
    assert "kabinet.css" in html


def test_a_missing_page_speaks_the_visitors_language(hotel):
    client = Client(HTTP_HOST="hotel.localhost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert "Страница не найдена" in client.get("/no-such-page/").content.decode()


def test_the_platform_host_has_the_same_404(platform_client):
    response = platform_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("urlconf", ["config.urls_tenant", "config.urls_public"])
def test_both_hosts_use_our_handlers(urlconf):
    resolver = get_resolver(urlconf)
    assert resolver.resolve_error_handler(404) is errors.page_not_found
    assert resolver.resolve_error_handler(500) is errors.server_error


def test_a_server_error_page_says_nothing_is_lost(rf):
    response = errors.server_error(rf.get("/orders/"))
    assert response.status_code == 500
    assert "Nothing you saved is lost" in response.content.decode()


def test_an_api_server_error_is_json(rf):
    response = errors.server_error(rf.get("/api/v1/orders/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


# --- in the cabinet's own look, and a 403 that says whom to ask ------------------------------


def test_error_pages_wear_the_cabinets_branding(hotel, hotel_client):
    from django_tenants.utils import tenant_context

    from cabinet.branding.services import branding_update

    with tenant_context(hotel):
        branding_update(display_name="Villa Mare")
    html = hotel_client.get("/no-such-page/").content.decode()
    assert "Villa Mare" in html
    assert "/branding.css" in html  # the cabinet's colours and fonts


def test_a_403_tells_staff_whom_to_ask(hotel, hotel_client):
    from django_tenants.utils import tenant_context

    from rbac.models import User
    from tests.factories import UserFactory

    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        hotel_client.force_login(UserFactory(is_staff=True))
    response = hotel_client.get("/staff/branding/")  # the owner's page
    assert response.status_code == 403
    html = response.content.decode()
    assert "ask" in html
    assert f"mailto:{owner.email}" in html
    assert 'href="/staff/"' in html  # a way back to work


def test_a_403_sends_a_client_to_messages(hotel, hotel_client):
    from django_tenants.utils import tenant_context

    from tests.factories import UserFactory

    with tenant_context(hotel):
        hotel_client.force_login(UserFactory())
    response = hotel_client.get("/staff/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page is for the business" in html
    assert 'href="/messages/"' in html


def test_the_api_answers_403_in_json(rf):
    from django.core.exceptions import PermissionDenied

    response = errors.permission_denied(rf.get("/api/v1/orders/"), PermissionDenied())
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("urlconf", ["config.urls_tenant", "config.urls_public"])
def test_400_and_403_are_ours_too(urlconf):
    resolver = get_resolver(urlconf)
    assert resolver.resolve_error_handler(400) is errors.bad_request
    assert resolver.resolve_error_handler(403) is errors.permission_denied
