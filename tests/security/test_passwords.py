"""ASVS 5.0 V6 (docs/security.md): passwords are taken as typed, in password fields a manager
may fill, changed only with the current one; one-time codes work once; a password reset does
not skip the second factor."""

import json
import re
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from rbac.models import User
from tests.factories import PASSWORD, UserFactory
from tests.support.totp import current_code

NEW_PASSWORD = "a brand new long passphrase"


def test_password_fields_are_password_inputs_that_accept_pasting(hotel, hotel_client):
    # given: the pages where a password is typed, signed out and signed in
    with tenant_context(hotel):
        guest = UserFactory()
    signed_out = [hotel_client.get(path) for path in ("/accounts/login/", "/accounts/signup/")]
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    change = hotel_client.get("/accounts/password/change/")

    # then: each password is a type=password input, and nothing blocks pasting or autofill
    for page in [*signed_out, change]:
        html = page.content.decode()
        assert page.status_code == 200
        assert re.search(r'<input[^>]*type="password"', html)
        assert "onpaste" not in html.lower()
        assert 'autocomplete="off"' not in html


def test_a_password_is_checked_exactly_as_typed(hotel, hotel_client):
    # given: a password with spaces at both ends and mixed case
    typed = "  Mixed Case Passphrase  "
    with tenant_context(hotel):
        guest = UserFactory(password=typed)

    # when: near misses are tried, each from a fresh browser
    def sign_in(password: str) -> int:
        client = Client(HTTP_HOST="hotel.localhost")
        answer = client.post("/accounts/login/", {"login": guest.email, "password": password})
        return answer.status_code

    near_misses = [sign_in(typed.strip()), sign_in(typed.lower()), sign_in(typed[:-1])]

    # then: only the exact password opens the account
    assert near_misses == [400, 400, 400]
    assert sign_in(typed) == 302


def test_changing_the_password_needs_the_current_one(hotel, hotel_client):
    # given: a signed-in client
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})

    # when: the current password is wrong, then right
    wrong = hotel_client.post(
        "/accounts/password/change/",
        {"oldpassword": "not my password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    with tenant_context(hotel):
        unchanged = User.objects.get(pk=guest.pk).check_password(PASSWORD)
    right = hotel_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then
    assert wrong.status_code == 400
    assert unchanged
    assert right.status_code == 302
    with tenant_context(hotel):
        assert User.objects.get(pk=guest.pk).check_password(NEW_PASSWORD)


def test_an_authenticator_code_works_only_once(hotel, hotel_client):
    # given: a person with an authenticator app who got a token with this code
    secret = generate_totp_secret()
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, secret)
    code = current_code(secret)

    def ask() -> int:
        body = json.dumps({"email": guest.email, "password": PASSWORD, "code": code})
        return hotel_client.post(
            "/api/v1/auth/token/", body, content_type="application/json"
        ).status_code

    first = ask()
    with tenant_context(hotel):
        Token.objects.filter(user=guest).delete()

    # when: the same code is sent again, within its 30 seconds
    second = ask()

    # then
    assert first == 200
    assert second == 401


def test_a_password_reset_still_asks_for_the_second_factor(hotel, hotel_client):
    # given: a person with an authenticator app who forgot the password
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, generate_totp_secret())
    hotel_client.post("/accounts/password/reset/", {"email": guest.email})
    (link,) = re.findall(r"https?://[^\s\"<]+/password/reset/key/[^\s\"<]+", mail.outbox[-1].body)
    page = hotel_client.get("/" + link.split("/", 3)[3], follow=True)
    form_url = page.redirect_chain[-1][0]

    # when: the new password is set, then used
    reset = hotel_client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    signed_in_by_reset = "_auth_user_id" in hotel_client.session
    sign_in = hotel_client.post(
        "/accounts/login/", {"login": guest.email, "password": NEW_PASSWORD}
    )

    # then: the reset signs nobody in, and the password leads to the second factor
    assert reset.status_code == 302
    assert not signed_in_by_reset
    assert sign_in.status_code == 302
    assert sign_in["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in hotel_client.session


def test_an_authenticator_code_lives_only_its_own_thirty_seconds(hotel, hotel_client):
    # given: a person with an authenticator app, and the code of the step before this one
    secret = generate_totp_secret()
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, secret)
    step = int(time.time()) // 30

    def ask(code: str) -> int:
        body = json.dumps({"email": guest.email, "password": PASSWORD, "code": code})
        return hotel_client.post(
            "/api/v1/auth/token/", body, content_type="application/json"
        ).status_code

    # when: last step's code, then next step's, then this step's are sent
    previous = ask(format_hotp_value(hotp_value(secret, step - 1)))
    following = ask(format_hotp_value(hotp_value(secret, step + 1)))
    current = ask(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))

    # then: only the current step's code is good (MFA_TOTP_TOLERANCE = 0)
    assert (previous, following, current) == (401, 401, 200)


def test_production_hashes_passwords_with_argon2id_at_owasp_parameters():
    # given the production setting (the suite itself hashes with tests.hashers' light one)
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from config import settings as production
    from rbac.hashers import Argon2idPasswordHasher

    hasher = Argon2idPasswordHasher()
    # when a password is hashed
    encoded = hasher.encode("a long enough passphrase", hasher.salt())
    # then: argon2id, 19 MiB, two passes, one lane, and it verifies
    assert production.PASSWORD_HASHERS[0] == "rbac.hashers.Argon2idPasswordHasher"
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("a long enough passphrase", encoded)
    assert not hasher.verify("a long enough passphrase ", encoded)
    # and a hash made with Django's heavier defaults still verifies, and is redone at sign-in
    older = Argon2PasswordHasher().encode("a long enough passphrase", hasher.salt())
    assert hasher.verify("a long enough passphrase", older)
    assert hasher.must_update(older)
    assert not hasher.must_update(encoded)
