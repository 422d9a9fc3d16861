"""django-allauth's pages read as the rest of the product: sentence case, our buttons, and a
sessions page that fits a phone and names each device as a person would."""

import pytest
from django_tenants.utils import tenant_context

from rbac.devices import device_name
from tests.factories import UserFactory

TITLE_CASE = ("Sign In", "Sign Up", "Email Addresses", "Two-Factor Authentication", "Sign Out")


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_entrance_pages_speak_in_sentence_case(hotel_client, path):
    html = hotel_client.get(path).content.decode()
    assert "Sign in" in html
    for words in TITLE_CASE:
        assert f">{words}<" not in html
        assert f"> {words}\n" not in html


def test_the_sessions_page_lists_devices_without_a_table(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory())
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
        " (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    hotel_client.get("/", HTTP_USER_AGENT=iphone)
    html = hotel_client.get("/accounts/sessions/", HTTP_USER_AGENT=iphone).content.decode()
    assert "<table" not in html
    assert "Mobile Safari on iOS (iPhone)" in html
    assert "This device" in html


@pytest.mark.parametrize(
    ("agent", "named"),
    [
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
         " Chrome/131.0 Safari/537.36", "Chrome on Windows"),
        ("", "An unknown browser"),
        ("curl/8.5.0", "curl on Other"),
        ("<script>" * 300, "An unknown browser"),
    ],
)  # fmt: skip
def test_a_user_agent_is_named_as_people_name_devices(agent, named):
    assert device_name(agent) == named


@pytest.mark.parametrize("path", ["/accounts/email/", "/account/notifications/", "/notifications/"])
def test_a_staff_member_keeps_the_back_office_frame_on_account_pages(hotel, hotel_client, path):
    with tenant_context(hotel):
        operator = UserFactory(email="op@hotel.example.com", is_staff=True)
        hotel_client.force_login(operator)
        guest = UserFactory(email="guest@hotel.example.com")

    as_staff = hotel_client.get(path).content.decode()
    hotel_client.force_login(guest)
    as_client = hotel_client.get(path).content.decode()

    assert 'aria-label="Back office"' in as_staff
    assert 'aria-label="Back office"' not in as_client
    assert 'aria-label="Cabinet"' in as_client
