"""A sign-in phone: added and verified by an SMS code, then a way in with the password or with a
one-time SMS code. Codes go through Twilio's client library to a local fake."""

import re

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry, User
from tests.factories import PASSWORD, UserFactory
from tests.support.sign_in import reauthenticated

PHONE = "+79161234567"


@pytest.fixture
def texts(twilio, eager_tasks, django_capture_on_commit_callbacks):
    """The SMS sent while a test runs, as they reach the fake provider."""

    class Texts:
        def __enter__(self):
            self._capture = django_capture_on_commit_callbacks(execute=True)
            self._capture.__enter__()
            return self

        def __exit__(self, *exc):
            return self._capture.__exit__(*exc)

        @property
        def sent(self) -> list[dict]:
            return twilio.sms

        def last_code(self) -> str:
            return re.search(r"\b(\d{6})\b", twilio.sms[-1]["Body"]).group(1)

    return Texts()


def signed_in(client: Client, email: str) -> Client:
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def a_guest_with_a_verified_phone(phone: str = PHONE) -> User:
    guest = UserFactory(phone=phone, phone_verified=True)
    return guest


def test_a_client_adds_a_phone_and_verifies_it_with_an_sms_code(hotel, hotel_client, texts):
    with tenant_context(hotel):
        guest = UserFactory()
    signed_in(hotel_client, guest.email)
    reauthenticated(hotel_client)
    with texts:
        response = hotel_client.post("/accounts/phone/change/", {"phone": "8 (916) 123-45-67"})
    assert response.status_code == 302
    (sms,) = texts.sent
    assert sms["To"] == PHONE
    assert "Hotel Test" in sms["Body"]
    with texts:
        response = hotel_client.post("/accounts/phone/verify/", {"code": texts.last_code()})
    assert response.status_code == 302
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert (guest.phone, guest.phone_verified) == (PHONE, True)
        assert AuditEntry.objects.filter(action="account.phone_verified").exists()
    page = hotel_client.get("/account/").content.decode()
    assert "+7 916 123-45-67" in page


def test_a_wrong_code_does_not_verify_the_phone(hotel, hotel_client, texts):
    with tenant_context(hotel):
        guest = UserFactory()
    signed_in(hotel_client, guest.email)
    reauthenticated(hotel_client)
    with texts:
        hotel_client.post("/accounts/phone/change/", {"phone": PHONE})
    wrong = "000000" if texts.last_code() != "000000" else "111111"
    response = hotel_client.post("/accounts/phone/verify/", {"code": wrong})
    assert response.status_code == 400
    assert "Incorrect code" in response.content.decode()
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert not guest.phone_verified


def test_a_client_signs_in_with_the_phone_and_password(hotel, hotel_client):
    with tenant_context(hotel):
        a_guest_with_a_verified_phone()
    response = hotel_client.post(
        "/accounts/login/", {"login": "+7 916 123-45-67", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in hotel_client.session


def test_an_unverified_phone_is_not_a_way_in(hotel, hotel_client):
    with tenant_context(hotel):
        UserFactory(phone=PHONE, phone_verified=False)
    response = hotel_client.post("/accounts/login/", {"login": PHONE, "password": PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in hotel_client.session


def test_a_client_signs_in_with_a_one_time_sms_code(hotel, hotel_client, texts):
    with tenant_context(hotel):
        guest = a_guest_with_a_verified_phone()
    with texts:
        response = hotel_client.post("/accounts/login/code/", {"phone": "8 916 123 45 67"})
    assert response.status_code == 302
    (sms,) = texts.sent
    assert sms["To"] == PHONE
    response = hotel_client.post("/accounts/login/code/confirm/", {"code": texts.last_code()})
    assert response.status_code == 302
    assert hotel_client.session["_auth_user_id"] == str(guest.pk)


def test_three_wrong_codes_end_the_attempt(hotel, hotel_client, texts):
    with tenant_context(hotel):
        a_guest_with_a_verified_phone()
    with texts:
        hotel_client.post("/accounts/login/code/", {"phone": PHONE})
    code = texts.last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        hotel_client.post("/accounts/login/code/confirm/", {"code": wrong})
    hotel_client.post("/accounts/login/code/confirm/", {"code": code})
    assert "_auth_user_id" not in hotel_client.session


def test_a_code_for_an_unknown_number_sends_nothing_and_reveals_nothing(hotel, hotel_client, texts):
    with tenant_context(hotel):
        a_guest_with_a_verified_phone()
    with texts:
        known = hotel_client.post("/accounts/login/code/", {"phone": PHONE})
        unknown = hotel_client.post("/accounts/login/code/", {"phone": "+79160000000"})
    assert (known.status_code, unknown.status_code) == (302, 302)  # the same answer
    assert [sms["To"] for sms in texts.sent] == [PHONE]


def test_a_hotel_phone_is_no_way_into_shop(hotel, shop, shop_client, texts):
    with tenant_context(hotel):
        a_guest_with_a_verified_phone()
    with texts:
        shop_client.post("/accounts/login/code/", {"phone": PHONE})
    assert texts.sent == []
    browser = Client(HTTP_HOST="shop.localhost")
    response = browser.post("/accounts/login/", {"login": PHONE, "password": PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in browser.session


def test_a_hotel_code_is_useless_on_shop(hotel, shop, hotel_client, shop_client, texts):
    with tenant_context(hotel):
        a_guest_with_a_verified_phone()
    with texts:
        hotel_client.post("/accounts/login/code/", {"phone": PHONE})
    response = shop_client.post("/accounts/login/code/confirm/", {"code": texts.last_code()})
    assert response.status_code in (302, 404)  # back to the start, never a sign-in
    assert "_auth_user_id" not in shop_client.session


def test_a_phone_verified_by_someone_else_cannot_be_taken(hotel, hotel_client, texts):
    with tenant_context(hotel):
        owner_of_the_number = a_guest_with_a_verified_phone()
        other = UserFactory()
    signed_in(hotel_client, other.email)
    reauthenticated(hotel_client)
    with texts:
        hotel_client.post("/accounts/phone/change/", {"phone": PHONE})
    # The page looks the same as for a free number (nobody learns whose number it is); even
    # with the code texted to that phone, the number stays its owner's.
    response = hotel_client.post("/accounts/phone/verify/", {"code": texts.last_code()})
    assert response.status_code == 400
    assert "already registered with this phone number" in response.content.decode()
    with tenant_context(hotel):
        other.refresh_from_db()
        assert not other.phone_verified
        assert User.objects.get(phone=PHONE, phone_verified=True) == owner_of_the_number


@pytest.mark.parametrize(
    "phone",
    ["12", "not a phone", "+7 000", "'; DROP TABLE rbac_user;--", "<script>alert(1)</script>",
     "+7916" + "1" * 300, "+79161234567\r\nX-Injected: 1"],
)  # fmt: skip
def test_malformed_phones_are_refused_with_a_clear_message(hotel, hotel_client, texts, phone):
    with tenant_context(hotel):
        guest = UserFactory()
    with texts:
        response = hotel_client.post("/accounts/login/code/", {"phone": phone})
        assert response.status_code == 400
        text = response.content.decode()
        assert "valid phone number" in text or "at most 64 characters" in text
        signup = hotel_client.post(
            "/accounts/signup/",
            {"email": "new@guest.example.com", "phone": phone, "password1": "a long passphrase"},
        )
        assert signup.status_code == 400
        signed_in(hotel_client, guest.email)
        response = hotel_client.post("/accounts/phone/change/", {"phone": phone})
        assert response.status_code == 400
    assert texts.sent == []
    with tenant_context(hotel):
        assert not User.objects.filter(email="new@guest.example.com").exists()
        guest.refresh_from_db()
        assert guest.phone == ""


def test_the_client_removes_their_phone(hotel, hotel_client):
    with tenant_context(hotel):
        guest = a_guest_with_a_verified_phone()
    signed_in(hotel_client, guest.email)
    reauthenticated(hotel_client)
    response = hotel_client.post("/account/phone/remove/")
    assert response.status_code == 302
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert (guest.phone, guest.phone_verified) == ("", False)
    response = Client(HTTP_HOST="hotel.localhost").post(
        "/accounts/login/", {"login": PHONE, "password": PASSWORD}
    )
    assert response.status_code == 400


def test_a_failing_sms_provider_is_retried(hotel, hotel_client, texts, twilio):
    twilio.fail_next = 1
    with tenant_context(hotel):
        a_guest_with_a_verified_phone()
    with texts:
        hotel_client.post("/accounts/login/code/", {"phone": PHONE})
    assert len(texts.sent) == 1


def test_a_phone_given_at_signup_is_verified_by_sms_then_the_email(hotel, hotel_client, texts):
    with texts:
        response = hotel_client.post(
            "/accounts/signup/",
            {"email": "new@guest.example.com", "phone": "+7 916 123-45-67",
             "password1": "a long passphrase here"},
        )  # fmt: skip
    assert response["Location"] == "/accounts/phone/verify/"
    assert len(texts.sent) == 1
    with texts:
        response = hotel_client.post("/accounts/phone/verify/", {"code": texts.last_code()})
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1  # and the email is verified as usual
    with tenant_context(hotel):
        new = User.objects.get(email="new@guest.example.com")
        assert (new.phone, new.phone_verified) == (PHONE, True)


def test_failed_sign_ins_by_phone_lock_the_account_and_are_audited(hotel, hotel_client):
    with tenant_context(hotel):
        guest = a_guest_with_a_verified_phone()
    for _ in range(5):
        hotel_client.post("/accounts/login/", {"login": PHONE, "password": "wrong"})
    response = hotel_client.post("/accounts/login/", {"login": PHONE, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    # the same number written another way is the same account, still locked
    hotel_client.post("/accounts/login/", {"login": "8 916 123-45-67", "password": PASSWORD})
    assert "_auth_user_id" not in hotel_client.session
    with tenant_context(hotel):
        (entry,) = AuditEntry.objects.filter(action="login.locked_out")
        assert entry.actor_label == guest.phone


def test_asking_for_a_code_with_neither_email_nor_phone_is_a_400_not_a_500(hotel_client):
    response = hotel_client.post("/accounts/login/code/", {})

    assert response.status_code in (200, 400)  # allauth shows the form again with the error
    assert "Enter your email address or your phone number." in response.content.decode()


@pytest.mark.parametrize(
    ("language", "risk", "safer"),
    [
        ("en", "SIM swap", "Set up an authenticator app or a passkey"),
        ("ru", "подмена SIM", "Настроить приложение-аутентификатор или ключ доступа"),
    ],
)
def test_adding_a_phone_explains_the_risks_of_sms_and_points_to_safer_factors(
    hotel, language, risk, safer
):
    # given: a signed-in client who reads the site in her language
    with tenant_context(hotel):
        guest = UserFactory(language=language)
    browser = signed_in(Client(HTTP_HOST="hotel.localhost"), guest.email)

    # when: she opens the page to add a phone, and the signup page offers one
    page = browser.get("/accounts/phone/change/").content.decode()
    visitor = Client(HTTP_HOST="hotel.localhost")
    visitor.cookies["django_language"] = language
    signup = visitor.get("/accounts/signup/")

    # then: both name the risk (SIM swap, interception), and the page links to TOTP and passkeys
    assert risk in page
    assert safer in page
    assert 'href="/accounts/2fa/"' in page
    assert risk in signup.content.decode()
