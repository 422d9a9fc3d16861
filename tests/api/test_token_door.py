"""`POST /api/v1/auth/token/` keeps the sign-in page's policy: allauth's per-account lockout from
any mix of addresses, one answer for every failure until the password is proven, the second
factor where it is on, and the owner's two-factor rule for staff."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from rbac.models import AuditEntry, SecurityPolicy
from tests.factories import PASSWORD, UserFactory
from tests.support.totp import current_code

URL = "/api/v1/auth/token/"


def ask(client: Client, email: str, password: str = PASSWORD, *, address: str = "203.0.113.1",
        forwarded: str | None = None, **extra: str):  # fmt: skip
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    body = json.dumps({"email": email, "password": password, **extra})
    return client.post(URL, body, content_type="application/json", **headers)


def test_twelve_wrong_passwords_from_twelve_addresses_lock_the_account(hotel, hotel_client):
    """The leak of issue 17: each guess from its own address (and its own forged forwarded
    address) once got past, and the right password then returned a token."""
    # given
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")

    # when
    answers = [
        ask(
            hotel_client,
            guest.email,
            f"guess-{n}",
            address=f"198.51.100.{n}",
            forwarded=f"10.0.0.{n}",
        )
        for n in range(1, 13)
    ]
    right = ask(hotel_client, guest.email, address="192.0.2.77", forwarded="10.9.9.9")

    # then: five failures per account in five minutes, then everything is refused
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 7
    assert {a.json()["code"] for a in answers[5:]} == {"too_many_attempts"}
    assert right.status_code == 429
    assert "token" not in right.json()
    with tenant_context(hotel):
        assert not Token.objects.filter(user=guest).exists()


def test_the_lockout_is_the_sign_in_pages_own(hotel, hotel_client):
    # given: five wrong passwords on the API
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    for n in range(5):
        ask(hotel_client, guest.email, "wrong", address=f"198.51.100.{n}")

    # when: the right password on the sign-in page, from yet another address
    page = Client(HTTP_HOST="hotel.localhost").post(
        "/accounts/login/", {"login": guest.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.5"
    )

    # then
    assert page.status_code == 429


def test_a_lockout_on_one_cabinet_leaves_the_same_email_on_another_alone(
    hotel, shop, hotel_client, shop_client
):
    # given: one address, a client of both cabinets
    with tenant_context(hotel):
        UserFactory(email="both@example.com")
    with tenant_context(shop):
        UserFactory(email="both@example.com")
    for n in range(6):
        ask(hotel_client, "both@example.com", "wrong", address=f"198.51.100.{n}")

    # when
    response = ask(shop_client, "both@example.com")

    # then
    assert response.status_code == 200


def test_every_failure_before_the_password_is_proven_answers_the_same(hotel, hotel_client):
    # given
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com")
        UserFactory(email="new@hotel.example.com", email_verified=False)
        UserFactory(email="gone@hotel.example.com", is_active=False)

    # when
    answers = {
        "wrong password": ask(hotel_client, "guest@hotel.example.com", "wrong"),
        "unknown person": ask(hotel_client, "nobody@hotel.example.com", address="203.0.113.2"),
        "unverified, wrong password": ask(
            hotel_client, "new@hotel.example.com", "wrong", address="203.0.113.3"
        ),
        "deactivated, right password": ask(
            hotel_client, "gone@hotel.example.com", address="203.0.113.4"
        ),
    }

    # then
    assert {(r.status_code, r.content, r["WWW-Authenticate"]) for r in answers.values()} == {
        (401, b'{"detail":"Wrong email or password.","code":"wrong_credentials"}', "Token")
    }


def test_an_unverified_address_is_told_only_once_the_password_is_right(hotel, hotel_client):
    with tenant_context(hotel):
        UserFactory(email="new@hotel.example.com", email_verified=False)

    response = ask(hotel_client, "new@hotel.example.com")

    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"


def test_wrong_two_factor_codes_lock_the_account_even_with_the_right_code(hotel, hotel_client):
    # given: a person with an authenticator app, whose password the attacker knows
    secret = generate_totp_secret()
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, secret)

    # when: codes are guessed from many addresses
    guesses = [
        ask(hotel_client, guest.email, code=f"{n:06d}", address=f"198.51.100.{n}")
        for n in range(1, 8)
    ]
    right = ask(hotel_client, guest.email, code=current_code(secret), address="192.0.2.9")

    # then: allauth's two-factor limit (the page's second step keeps the same count)
    assert [g.status_code for g in guesses[:5]] == [401] * 5
    assert {g.status_code for g in guesses[5:]} == {429}
    assert right.status_code == 429


def test_a_recovery_code_works_as_the_second_factor(hotel, hotel_client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, generate_totp_secret())
        codes = RecoveryCodes.activate(guest).get_unused_codes()

    assert ask(hotel_client, guest.email, code=codes[0]).status_code == 200


def test_a_second_factor_code_is_asked_for_only_after_the_password(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, generate_totp_secret())

    wrong_password = ask(hotel_client, guest.email, "wrong", code="123456")
    no_code = ask(hotel_client, guest.email, address="203.0.113.8")

    assert wrong_password.json()["code"] == "wrong_credentials"
    assert (no_code.status_code, no_code.json()["code"]) == (401, "second_factor_required")


@pytest.fixture
def staff_must_use_two_factor(hotel):
    with tenant_context(hotel):
        SecurityPolicy.objects.update_or_create(defaults={"require_staff_mfa": True})


def test_staff_without_a_second_factor_get_no_token_where_the_owner_requires_one(
    hotel, hotel_client, staff_must_use_two_factor
):
    # given
    with tenant_context(hotel):
        staff = UserFactory(email="desk@hotel.example.com", is_staff=True)
        client = UserFactory(email="guest@hotel.example.com")

    # when
    staff_answer = ask(hotel_client, staff.email)
    client_answer = ask(hotel_client, client.email, address="203.0.113.5")

    # then
    assert (staff_answer.status_code, staff_answer.json()["code"]) == (
        403,
        "second_factor_setup_required",
    )
    assert client_answer.status_code == 200


def test_staff_with_a_second_factor_get_a_token_with_their_code(
    hotel, hotel_client, staff_must_use_two_factor
):
    secret = generate_totp_secret()
    with tenant_context(hotel):
        staff = UserFactory(email="desk@hotel.example.com", is_staff=True)
        TOTP.activate(staff, secret)

    response = ask(hotel_client, staff.email, code=current_code(secret))

    assert response.status_code == 200
    with tenant_context(hotel):
        assert Authenticator.objects.get(user=staff).last_used_at is not None
        assert AuditEntry.objects.filter(action="api.token_issued", actor=staff).exists()
