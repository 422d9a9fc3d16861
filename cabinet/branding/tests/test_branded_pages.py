import re

from django_tenants.utils import tenant_context

from cabinet.branding.services import branding_update
from tests.factories import PASSWORD, UserFactory


def test_the_home_page_carries_the_tenants_branding(hotel, hotel_client):
    with tenant_context(hotel):
        branding_update(primary_colour="#123456", tagline="Sea, sun and you")
    html = hotel_client.get("/").content.decode()
    # the colours come from the cabinet's own stylesheet (no inline <style>: the CSP)
    stylesheet = re.search(r'href="(/branding\.css\?v=\d+)"', html).group(1)
    assert "--brand-primary: #123456" in hotel_client.get(stylesheet).content.decode()
    assert "Sea, sun and you" in html
    assert 'name="viewport"' in html


def test_the_home_page_needs_a_fixed_number_of_queries(
    hotel, hotel_client, django_assert_max_num_queries
):
    hotel_client.get("/")
    with django_assert_max_num_queries(2):
        hotel_client.get("/")


def test_a_client_signs_in_and_is_greeted(hotel, hotel_client):
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com", full_name="Anna Guest")
    response = hotel_client.post(
        "/accounts/login/", {"login": "GUEST@hotel.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert b"Welcome back, Anna" in hotel_client.get("/").content


def test_a_wrong_password_is_answered_on_the_form(hotel, hotel_client):
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com")
    response = hotel_client.post(
        "/accounts/login/", {"login": "guest@hotel.example.com", "password": "wrong"}
    )
    assert response.status_code == 400
    assert "not correct" in response.content.decode()


def test_the_login_form_survives_hostile_input(hotel_client):
    response = hotel_client.post(
        "/accounts/login/",
        {"login": "<script>alert(1)</script>" + "x" * 5000, "password": "p" * 10000},
    )
    assert response.status_code == 400
    assert b"<script>alert(1)</script>" not in response.content
