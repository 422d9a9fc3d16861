"""ASVS 5.0 6.3.3 (docs/security.md): a password alone never signs in. On a browser not seen
before it is followed by a one-time code (email, or SMS for a phone-only client) unless the
person has an authenticator app or passkey, which is asked instead; the browser may then be
trusted. Staff must use a second factor in new cabinets, on every door."""

import json
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import SecurityPolicy, User
from rbac.policy import policy_forget
from rbac.roles import role_set
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def codes_required(settings):
    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = {"password"}


@pytest.fixture
def staff_default(settings, hotel):
    settings.STAFF_TWO_FACTOR_DEFAULT = True
    with tenant_context(hotel):
        policy_forget()
    yield
    with tenant_context(hotel):
        policy_forget()


def sign_in(browser: Client, login: str) -> object:
    return browser.post("/accounts/login/", {"login": login, "password": PASSWORD})


def last_code() -> str:
    return re.findall(r"\b(\d{6})\b", mail.outbox[-1].body)[0]


def test_a_password_on_a_new_browser_is_followed_by_an_emailed_code(
    hotel, hotel_client, codes_required
):
    # given: a client with a password and no second factor
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")

    # when: the right password is typed on a browser never seen before
    response = sign_in(hotel_client, guest.email)

    # then: not signed in yet; a code went to her address
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert "_auth_user_id" not in hotel_client.session
    assert mail.outbox[-1].to == [guest.email]

    # when: the code comes back
    confirmed = hotel_client.post("/accounts/login/code/confirm/", {"code": last_code()})
    if confirmed["Location"] == "/accounts/2fa/trust/":
        confirmed = hotel_client.post("/accounts/2fa/trust/", {"action": "no"})

    # then: signed in
    assert confirmed.status_code == 302
    assert hotel_client.session["_auth_user_id"] == str(guest.pk)


def test_a_wrong_code_after_the_password_signs_nobody_in(hotel, hotel_client, codes_required):
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    sign_in(hotel_client, guest.email)
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    hotel_client.post("/accounts/login/code/confirm/", {"code": wrong})
    assert "_auth_user_id" not in hotel_client.session


def test_a_trusted_browser_is_not_asked_for_a_code_again(hotel, hotel_client, codes_required):
    # given: a client who confirmed a code on this browser and chose to trust it
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    sign_in(hotel_client, guest.email)
    confirmed = hotel_client.post("/accounts/login/code/confirm/", {"code": last_code()})
    assert confirmed["Location"] == "/accounts/2fa/trust/"
    hotel_client.post("/accounts/2fa/trust/", {"action": "trust"})
    hotel_client.post("/accounts/logout/")
    sent = len(mail.outbox)

    # when: she signs in again on the same browser, and on another one
    again = sign_in(hotel_client, guest.email)
    elsewhere = sign_in(Client(HTTP_HOST="hotel.localhost"), guest.email)

    # then: the trusted browser goes straight in; the other one is asked for a code
    assert hotel_client.session["_auth_user_id"] == str(guest.pk)
    assert again["Location"] != "/accounts/login/code/confirm/"
    assert elsewhere["Location"] == "/accounts/login/code/confirm/"
    assert len(mail.outbox) == sent + 1


def test_a_client_with_an_authenticator_app_is_asked_for_it_not_for_a_code(
    hotel, hotel_client, codes_required
):
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
        TOTP.activate(guest, generate_totp_secret())
    sent = len(mail.outbox)
    response = sign_in(hotel_client, guest.email)
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert len(mail.outbox) == sent
    assert "_auth_user_id" not in hotel_client.session


def test_a_phone_only_client_gets_the_code_by_sms(
    hotel, hotel_client, codes_required, twilio, eager_tasks, django_capture_on_commit_callbacks
):
    # given: a client the front desk made with a phone only (a stand-in address nobody reads)
    with tenant_context(hotel):
        guest = UserFactory(email="c1@phone.invalid", phone="+79161234567", phone_verified=True)
    sent = len(mail.outbox)

    # when: she signs in with her phone and password
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(hotel_client, guest.phone)

    # then: the code is texted to her phone, and nothing is mailed to the stand-in
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert len(mail.outbox) == sent
    (sms,) = twilio.sms
    assert sms["To"] == guest.phone
    (code,) = re.findall(r"\b(\d{6})\b", sms["Body"])
    page = hotel_client.get("/accounts/login/code/confirm/").content.decode()
    assert "phone.invalid" not in page  # the page says where the code really went
    assert "your phone" in page
    confirmed = hotel_client.post("/accounts/login/code/confirm/", {"code": code})
    assert confirmed.status_code == 302
    assert (
        "_auth_user_id" in hotel_client.session or confirmed["Location"] == "/accounts/2fa/trust/"
    )


def test_new_cabinets_send_staff_without_a_second_factor_to_set_one_up(hotel, staff_default):
    # given: a cabinet whose owner never touched the policy, and an operator without a factor
    with tenant_context(hotel):
        assert not SecurityPolicy.objects.exists()
        operator = UserFactory(email="op@hotel.example.com", is_staff=True)
        role_set(user=operator, role="operator")
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(operator)

    # when: the operator opens the back office, and asks the API for a token
    page = browser.get("/staff/")
    token = Client(HTTP_HOST="hotel.localhost").post(
        "/api/v1/auth/token/",
        json.dumps({"email": operator.email, "password": PASSWORD}),
        content_type="application/json",
    )

    # then: sent to set up an authenticator app; no token
    assert page.status_code == 302
    assert page["Location"] == "/accounts/2fa/totp/activate/"
    assert token.status_code == 403
    assert token.json()["code"] == "second_factor_setup_required"


def test_the_owner_may_still_turn_staff_two_factor_off(hotel, staff_default):
    with tenant_context(hotel):
        SecurityPolicy.objects.create(require_staff_mfa=False)
        policy_forget()
        operator = UserFactory(email="op@hotel.example.com", is_staff=True)
        role_set(user=operator, role="operator")
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(operator)
    assert browser.get("/staff/").status_code == 200


def test_a_staff_member_with_a_factor_works_as_before(hotel, staff_default):
    with tenant_context(hotel):
        operator = UserFactory(email="op@hotel.example.com", is_staff=True)
        role_set(user=operator, role="operator")
        TOTP.activate(operator, generate_totp_secret())
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(operator)
    assert browser.get("/staff/").status_code == 200
    with tenant_context(hotel):
        assert User.objects.get(pk=operator.pk).is_staff


def test_the_api_asks_a_client_without_a_second_factor_for_an_emailed_code(
    hotel, hotel_client, codes_required
):
    # given: a client with a password and no second factor
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")

    def ask(**extra: str) -> object:
        body = json.dumps({"email": guest.email, "password": PASSWORD, **extra})
        return hotel_client.post("/api/v1/auth/token/", body, content_type="application/json")

    # when: the password alone, then a wrong code, then the emailed one
    first = ask()
    code = last_code()
    wrong = ask(code="000000" if code != "000000" else "111111")
    right = ask(code=code)
    again = ask(code=code)

    # then: a code is sent, only it opens, and only once
    assert (first.status_code, first.json()["code"]) == (401, "sign_in_code_sent")
    assert mail.outbox[-2].to == [guest.email] or mail.outbox[0].to == [guest.email]
    assert (wrong.status_code, wrong.json()["code"]) == (401, "sign_in_code_wrong")
    assert right.status_code == 200
    assert "token" in right.json()
    assert again.status_code == 401


def test_the_api_sends_sign_in_codes_under_the_pages_limit(hotel, hotel_client, codes_required):
    # given: a client with a password and no second factor
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    body = json.dumps({"email": guest.email, "password": PASSWORD})

    # when: the password alone is sent again and again, each asking for a fresh code
    answers = [
        hotel_client.post("/api/v1/auth/token/", body, content_type="application/json")
        for _ in range(5)
    ]

    # then: allauth's "request_login_code" limit (3 a minute per account) holds: no more mail
    assert [a.json()["code"] for a in answers] == ["sign_in_code_sent"] * 3 + ["too_many_codes"] * 2
    assert answers[-1].status_code == 429
    assert len([m for m in mail.outbox if m.to == [guest.email]]) == 3
