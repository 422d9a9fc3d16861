"""What a person sees at an address with nothing behind it, or when the server fails: a page of
ours in their language with a way back, not the bare default; the API answers JSON instead."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver

from api import errors


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
