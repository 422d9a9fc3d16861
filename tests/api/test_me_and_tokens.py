import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django_tenants.utils import tenant_context

from tests.factories import PASSWORD, UserFactory
from tests.support.totp import current_code


def token_for(client: Client, email: str, password: str = PASSWORD, **extra: str):
    return client.post(
        "/api/v1/auth/token/",
        json.dumps({"email": email, "password": password, **extra}),
        content_type="application/json",
    )


def test_a_client_gets_a_token_and_reads_me(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com", full_name="Anna Guest")
    token = token_for(hotel_client, guest.email).json()["token"]
    me = Client(HTTP_HOST="hotel.localhost").get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["email"] == guest.email
    assert me.json()["role"] == "client"
    assert "password" not in me.json()


def test_a_session_works_for_the_api_too(hotel, hotel_client):
    with tenant_context(hotel):
        hotel_client.force_login(UserFactory(is_staff=True))
    assert hotel_client.get("/api/v1/me/").json()["role"] == "staff"


def test_a_hotel_token_is_useless_on_shop(hotel, shop, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory()
    with tenant_context(shop):
        UserFactory()  # a user with possibly the same id exists there
    token = token_for(hotel_client, guest.email).json()["token"]
    response = Client(HTTP_HOST="shop.localhost").get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 401


def test_anonymous_me_is_401(hotel_client):
    assert hotel_client.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "guest@hotel.example.com", "password": "wrong"}, 401),
        ({"email": "nobody@hotel.example.com", "password": PASSWORD}, 401),
        ({"email": "not-an-email", "password": PASSWORD}, 400),
        ({"email": "a" * 300 + "@x.com", "password": PASSWORD}, 400),
        ({"password": PASSWORD}, 400),
    ],
)
def test_bad_credentials_get_a_clear_4xx(hotel, hotel_client, body, status):
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com")
    response = hotel_client.post(
        "/api/v1/auth/token/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == status


def test_an_unverified_address_gets_no_token(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory(email_verified=False)
    assert token_for(hotel_client, guest.email).status_code == 403


def test_two_factor_accounts_need_their_code_for_a_token(hotel, hotel_client):
    secret = generate_totp_secret()
    with tenant_context(hotel):
        guest = UserFactory()
        TOTP.activate(guest, secret)
    assert token_for(hotel_client, guest.email).status_code == 401
    assert token_for(hotel_client, guest.email, code="000000").status_code == 401
    code = current_code(secret)
    assert token_for(hotel_client, guest.email, code=code).status_code == 200


def test_a_token_can_be_revoked(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory()
    token = token_for(hotel_client, guest.email).json()["token"]
    api = Client(HTTP_HOST="hotel.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401
