"""Every door keeps one policy: wrong sign-in codes count towards the account's lockout as wrong
passwords do; the owner's "staff must use two-factor" holds on the API's session, token and key;
API tokens expire and end with a password change, "sign out other sessions" and deactivation."""

import datetime as dt
import json
import re

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from rbac.api_keys import api_key_create
from rbac.models import AuditEntry, SecurityPolicy, User
from tests.factories import PASSWORD, UserFactory
from tests.rbac.test_oauth_providers import a_provider, through_the_provider
from tests.support.fake_oidc import fake_oidc
from tests.support.sign_in import reauthenticated

NEW_PASSWORD = "another-horse-battery-42"


def token_of(tenant, email: str) -> str:
    response = Client(HTTP_HOST=f"{tenant.slug}.localhost").post(
        "/api/v1/auth/token/",
        json.dumps({"email": email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me(tenant, **headers: str):
    return Client(HTTP_HOST=f"{tenant.slug}.localhost", **headers).get("/api/v1/me/")


def with_token(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


# --- API tokens end -------------------------------------------------------------------------------


def test_a_token_works_until_it_expires(hotel, settings):
    # given
    settings.API_TOKEN_TTL_HOURS = 24
    with tenant_context(hotel):
        guest = UserFactory()
    token = token_of(hotel, guest.email)

    # when / then
    assert me(hotel, **with_token(token)).status_code == 200
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=25)):
        expired = me(hotel, **with_token(token))
        assert expired.status_code == 401
        assert "expired" in expired.json()["detail"]
        with tenant_context(hotel):
            assert not Token.objects.filter(key=token).exists()
        # signing in again gives a new one
        assert token_of(hotel, guest.email) != token


def test_deleting_the_token_row_still_revokes_it(hotel):
    with tenant_context(hotel):
        guest = UserFactory()
    token = token_of(hotel, guest.email)

    with tenant_context(hotel):
        Token.objects.filter(user=guest).delete()

    assert me(hotel, **with_token(token)).status_code == 401


def test_a_password_change_ends_the_token(hotel):
    # given
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    token = token_of(hotel, guest.email)
    browser = Client(HTTP_HOST="hotel.localhost")
    browser.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})

    # when
    changed = browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then
    assert changed.status_code == 302
    assert me(hotel, **with_token(token)).status_code == 401
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="api.tokens_revoked", actor=guest).exists()


def test_a_password_reset_ends_the_token(hotel):
    # given
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    token = token_of(hotel, guest.email)
    browser = Client(HTTP_HOST="hotel.localhost")
    browser.post("/accounts/password/reset/", {"email": guest.email})
    (link,) = [w for w in mail.outbox[-1].body.split() if "/password/reset/key/" in w]
    page = browser.get(link.split("localhost", 1)[1].lstrip(":0123456789"), follow=True)

    # when
    browser.post(page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    # then
    with tenant_context(hotel):
        assert User.objects.get(pk=guest.pk).check_password(NEW_PASSWORD)
    assert me(hotel, **with_token(token)).status_code == 401


def test_signing_out_other_sessions_ends_the_token_too(hotel):
    # given: the person's only browser session, and an integration's token
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    token = token_of(hotel, guest.email)
    browser = Client(HTTP_HOST="hotel.localhost")
    browser.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    page = browser.get("/accounts/sessions/")
    assert "API tokens" in page.content.decode()

    # when: they sign out everywhere else (proving their password first)
    reauthenticated(browser)
    response = browser.post("/accounts/sessions/")

    # then: the token is gone; this browser stays signed in
    assert response.status_code == 302
    assert me(hotel, **with_token(token)).status_code == 401
    assert browser.get("/api/v1/me/").status_code == 200


def test_a_deactivated_persons_token_stops_working(hotel):
    with tenant_context(hotel):
        guest = UserFactory()
    token = token_of(hotel, guest.email)

    with tenant_context(hotel):
        User.objects.filter(pk=guest.pk).update(is_active=False)

    assert me(hotel, **with_token(token)).status_code == 401


def test_another_persons_password_change_leaves_my_token_alone(hotel):
    # given: two people with tokens
    with tenant_context(hotel):
        alice = UserFactory(email="alice@hotel.example.com")
        bob = UserFactory(email="bob@hotel.example.com")
    alice_token, bob_token = token_of(hotel, alice.email), token_of(hotel, bob.email)
    browser = Client(HTTP_HOST="hotel.localhost")
    browser.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})

    # when
    browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then
    assert me(hotel, **with_token(alice_token)).status_code == 200
    assert me(hotel, **with_token(bob_token)).status_code == 401


# --- Staff must use two-factor, on the API too ----------------------------------------------------


@pytest.fixture
def staff_without_a_second_factor(hotel):
    """A staff member who got a token (and made a key) before the owner required two-factor."""
    with tenant_context(hotel):
        staff = UserFactory(email="desk@hotel.example.com", is_staff=True)
        owner = User.objects.get(email="owner@hotel.example.com")
        _key, raw_key = api_key_create(name="sync", scopes=["clients:read"], by=owner)
    token = token_of(hotel, staff.email)
    with tenant_context(hotel):
        SecurityPolicy.objects.update_or_create(defaults={"require_staff_mfa": True})
    return staff, token, raw_key


def test_a_staff_token_is_refused_once_two_factor_is_required(hotel, staff_without_a_second_factor):
    _staff, token, _key = staff_without_a_second_factor

    response = me(hotel, **with_token(token))

    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_a_staff_session_is_refused_on_the_api(hotel, staff_without_a_second_factor):
    staff, _token, _key = staff_without_a_second_factor
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(staff)

    assert browser.get("/api/v1/me/").status_code == 403


def test_an_owners_key_is_refused_until_the_owner_has_a_second_factor(
    hotel, staff_without_a_second_factor
):
    # given: the owner (staff too) made a key and has no second factor yet
    _staff, _token, raw_key = staff_without_a_second_factor
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw_key}"}

    # when / then
    assert me(hotel, **headers).status_code == 403
    refused = Client(HTTP_HOST="hotel.localhost", **headers).get("/api/v1/staff/clients/")
    assert refused.status_code == 403
    with tenant_context(hotel):
        TOTP.activate(User.objects.get(email="owner@hotel.example.com"), generate_totp_secret())
    allowed = Client(HTTP_HOST="hotel.localhost", **headers).get("/api/v1/staff/clients/")
    assert allowed.status_code == 200


def test_clients_are_untouched_by_the_staff_rule(hotel, staff_without_a_second_factor):
    with tenant_context(hotel):
        guest = UserFactory()

    assert me(hotel, **with_token(token_of(hotel, guest.email))).status_code == 200


# --- Login codes count towards the lockout --------------------------------------------------------


def code_sign_in_attempt(email: str, *, address: str, wrong: str = "000000") -> None:
    """Ask for a code by email and answer it wrongly three times, as an attacker would."""
    browser = Client(HTTP_HOST="hotel.localhost", REMOTE_ADDR=address)
    asked = browser.post("/accounts/login/code/", {"email": email})
    if asked.status_code != 302:
        return asked
    for _ in range(3):
        browser.post("/accounts/login/code/confirm/", {"code": wrong})
    return asked


def test_wrong_login_codes_lock_the_account_for_passwords_and_new_codes(hotel):
    # given
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")

    # when: two rounds of three wrong codes, from two addresses
    first = code_sign_in_attempt(guest.email, address="198.51.100.1")
    second = code_sign_in_attempt(guest.email, address="198.51.100.2")
    third = code_sign_in_attempt(guest.email, address="198.51.100.3")
    password = Client(HTTP_HOST="hotel.localhost", REMOTE_ADDR="198.51.100.4").post(
        "/accounts/login/", {"login": guest.email, "password": PASSWORD}
    )

    # then: six failures > five: no new code, and the right password is refused for now
    assert (first.status_code, second.status_code) == (302, 302)
    assert third.status_code == 429
    assert password.status_code == 429


def test_a_locked_unknown_address_gets_the_same_answer_as_a_locked_account(hotel):
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com")
    for n in range(5):
        for email in ("guest@hotel.example.com", "nobody@hotel.example.com"):
            Client(HTTP_HOST="hotel.localhost", REMOTE_ADDR=f"198.51.100.{n}").post(
                "/accounts/login/", {"login": email, "password": "wrong"}
            )

    known = code_sign_in_attempt("guest@hotel.example.com", address="192.0.2.1")
    unknown = code_sign_in_attempt("nobody@hotel.example.com", address="192.0.2.2")

    assert known.status_code == unknown.status_code == 429


# --- The second factor is asked for at every door where it is on ----------------------------------


def test_a_login_code_still_asks_for_the_second_factor(hotel, hotel_client):
    # given
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, generate_totp_secret())
    hotel_client.post("/accounts/login/code/", {"email": guest.email})
    (code,) = re.findall(r"\b(\d{6})\b", mail.outbox[-1].body)[:1]

    # when
    response = hotel_client.post("/accounts/login/code/confirm/", {"code": code})

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in hotel_client.session


@pytest.fixture
def idp_fake(settings):
    settings.OAUTH_ALLOW_PRIVATE_ISSUERS = True
    with fake_oidc() as fake:
        yield fake


def test_a_sign_in_provider_still_asks_for_the_second_factor(hotel, idp_fake):
    idp = idp_fake
    # given: a client who linked the provider and has an authenticator app
    a_provider(hotel, idp)
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, generate_totp_secret())
        SocialAccount.objects.create(
            user=guest, provider="company-id", uid="sub-linked@idp.example.com"
        )
    idp.next_identity = idp.identity_for("linked@idp.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")

    # when
    response = through_the_provider(browser, idp)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in browser.session


def test_failures_by_phone_are_counted_per_number_not_for_every_phone(hotel):
    # given: two people signing in by phone
    with tenant_context(hotel):
        UserFactory(phone="+79161234567", phone_verified=True)
        other = UserFactory(phone="+79167654321", phone_verified=True)
    for n in range(6):
        Client(HTTP_HOST="hotel.localhost", REMOTE_ADDR=f"198.51.100.{n}").post(
            "/accounts/login/", {"login": "+79161234567", "password": "wrong"}
        )

    # when
    response = Client(HTTP_HOST="hotel.localhost", REMOTE_ADDR="192.0.2.1").post(
        "/accounts/login/", {"login": other.phone, "password": PASSWORD}
    )
    locked = Client(HTTP_HOST="hotel.localhost", REMOTE_ADDR="192.0.2.2").post(
        "/accounts/login/", {"login": "+79161234567", "password": PASSWORD}
    )

    # then
    assert response.status_code == 302
    assert locked.status_code == 429
