"""The client's profile (/account/profile/ and /api/v1/me/profile/): name, birthday, language,
preferences and marketing consent; a new email or phone is verified before it replaces the old."""

import datetime as dt
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from rbac.models import AuditEntry, User
from tests.factories import PASSWORD, UserFactory
from tests.support.sign_in import reauthenticated

OLD_PHONE, NEW_PHONE = "+79161234567", "+79167654321"


def signed_in(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


@pytest.fixture
def guest(hotel) -> User:
    with tenant_context(hotel):
        user = UserFactory(full_name="Greta Guest", phone=OLD_PHONE, phone_verified=True)
        ClientProfile.objects.create(user=user)
        return user


def a_valid_form(**changes: str) -> dict[str, str]:
    return {
        "full_name": "Greta Gast",
        "birth_date": "1990-05-17",
        "language": "ru",
        "preferences": "A feather-free pillow",
        "marketing_consent": "on",
        **changes,
    }


def test_the_client_reaches_the_profile_from_their_account_page(hotel, guest):
    browser = signed_in(hotel, guest)
    account = browser.get("/account/").content.decode()
    assert 'href="/account/profile/"' in account
    page = browser.get("/account/profile/")
    assert page.status_code == 200
    assert 'value="Greta Guest"' in page.content.decode()


def test_the_client_saves_their_profile_and_consent_is_recorded(hotel, guest):
    # given the signed-in guest
    browser = signed_in(hotel, guest)
    # when they save their profile with consent to news
    response = browser.post("/account/profile/", a_valid_form())
    # then it is stored, the consent with its time, and the change audited (names, not values)
    assert response.status_code == 302
    with tenant_context(hotel):
        guest.refresh_from_db()
        profile = ClientProfile.objects.get(user=guest)
        assert (guest.full_name, guest.language) == ("Greta Gast", "ru")
        assert profile.birth_date == dt.date(1990, 5, 17)
        assert profile.preferences == "A feather-free pillow"
        assert profile.marketing_consent
        assert timezone.now() - profile.marketing_consent_at < dt.timedelta(minutes=1)
        entry = AuditEntry.objects.get(action="client.profile_changed", actor=guest)
        assert "Gast" not in json.dumps(entry.changes)
        assert AuditEntry.objects.filter(action="client.marketing_consent_given").exists()
    # and the page is now in Russian, as chosen
    page = browser.get("/account/profile/").content.decode()
    assert "Ваш профиль" in page
    assert "Присылать мне новости и предложения по почте" in page

    # when they withdraw the consent
    browser.post("/account/profile/", a_valid_form(marketing_consent=""))
    # then it is off and its time forgotten
    with tenant_context(hotel):
        profile.refresh_from_db()
        assert (profile.marketing_consent, profile.marketing_consent_at) == (False, None)
        assert AuditEntry.objects.filter(action="client.marketing_consent_withdrawn").exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"birth_date": "2999-01-01"}, "A birthday cannot be in the future."),
        ({"birth_date": "1850-01-01"}, "Enter a birthday after 1900."),
        ({"birth_date": "17.05.1990x"}, "Enter a valid date."),
        ({"language": "xx"}, "Select a valid choice."),
        ({"full_name": ""}, "This field is required."),
        ({"full_name": "x" * 151}, "at most 150 characters"),
        ({"preferences": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_input_is_a_clear_400_and_changes_nothing(hotel, guest, bad, message):
    browser = signed_in(hotel, guest)
    response = browser.post("/account/profile/", a_valid_form(**bad))
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.full_name == "Greta Guest"


def test_staff_have_no_client_profile_and_anonymous_people_sign_in_first(hotel, hotel_client):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    assert hotel_client.get("/account/profile/").status_code == 302
    assert "/accounts/login/" in hotel_client.get("/account/profile/")["Location"]
    assert signed_in(hotel, owner).get("/account/profile/")["Location"] == "/account/"


def test_a_profile_is_only_the_persons_own(hotel, shop, guest):
    # given another client of the same cabinet, and a session from another cabinet
    with tenant_context(hotel):
        other = UserFactory(full_name="Olga Other")
    outsider = signed_in(hotel, other)
    # when the other client saves their profile
    outsider.post("/account/profile/", a_valid_form(full_name="Olga Changed"))
    # then the guest's is untouched, and the hotel's session means nothing on the shop
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.full_name == "Greta Guest"
    other_tenant = signed_in(hotel, guest)
    other_tenant.defaults["HTTP_HOST"] = "shop.localhost"
    assert other_tenant.get("/account/profile/").status_code == 302


def test_a_new_email_replaces_the_old_only_once_confirmed(hotel, guest):
    # given the signed-in guest
    browser = Client(HTTP_HOST="hotel.localhost")
    assert (
        browser.post("/accounts/login/", {"login": guest.email, "password": PASSWORD}).status_code
        == 302
    )
    reauthenticated(browser)
    old = guest.email
    # when they ask to change their email (allauth's flow, linked from the profile)
    mail.outbox.clear()
    response = browser.post(
        "/accounts/email/", {"email": "greta@new.example.com", "action_add": ""}
    )
    assert response.status_code == 302
    # then the old one stays until the link is followed; the profile says it waits
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.email == old
    assert (
        "greta@new.example.com waits for confirmation"
        in browser.get("/account/profile/").content.decode()
    )
    (message,) = [m for m in mail.outbox if "greta@new.example.com" in m.to]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)
    browser.post(link)
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.email == "greta@new.example.com"
        assert not EmailAddress.objects.filter(user=guest, email=old).exists()


def test_a_new_phone_replaces_the_old_only_once_verified(
    hotel, guest, twilio, eager_tasks, django_capture_on_commit_callbacks
):
    # given the guest with a verified phone
    browser = reauthenticated(signed_in(hotel, guest))
    # when they enter a new one
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/accounts/phone/change/", {"phone": NEW_PHONE})
    assert response.status_code == 302
    # then the old one is still theirs until the texted code is entered
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert (guest.phone, guest.phone_verified) == (OLD_PHONE, True)
    code = re.search(r"\b(\d{6})\b", twilio.sms[-1]["Body"]).group(1)
    assert twilio.sms[-1]["To"] == NEW_PHONE
    browser.post("/accounts/phone/verify/", {"code": code})
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert (guest.phone, guest.phone_verified) == (NEW_PHONE, True)


# --- the API's matching resource ----------------------------------------------------------------


def test_the_api_reads_and_patches_the_same_profile(hotel, guest):
    api = signed_in(hotel, guest)
    read = api.get("/api/v1/me/profile/")
    assert read.status_code == 200
    assert read.json()["full_name"] == "Greta Guest"
    assert read.json()["phone"] == OLD_PHONE
    changed = api.patch(
        "/api/v1/me/profile/",
        {"preferences": "Late check-out", "marketing_consent": True},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert changed.json()["preferences"] == "Late check-out"
    assert changed.json()["marketing_consent_at"]
    assert changed.json()["full_name"] == "Greta Guest"  # not sent: left as it was
    assert "Late check-out" in api.get("/account/profile/").content.decode()


def test_a_client_chooses_german_on_the_page_and_in_the_api(hotel, guest):
    # given the profile page: German is offered
    browser = signed_in(hotel, guest)
    assert (
        '<option value="de">Deutsch</option>' in browser.get("/account/profile/").content.decode()
    )

    # when the client saves German, the next page is German
    assert browser.post("/account/profile/", a_valid_form(language="de")).status_code == 302
    assert "Ihr Profil" in browser.get("/account/profile/").content.decode()

    # and the API takes it too, answering in it
    changed = browser.patch(
        "/api/v1/me/profile/", {"language": "de"}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["language"] == "de"
    with tenant_context(hotel):
        guest.refresh_from_db()
    assert guest.language == "de"


@pytest.mark.parametrize(
    "bad",
    [
        {"birth_date": "2999-01-01"},
        {"birth_date": "soon"},
        {"language": "xx"},
        {"full_name": ""},
        {"marketing_consent": "maybe"},
        {"email": "x@y.z", "full_name": 5},
    ],
)
def test_the_api_answers_bad_input_with_400(hotel, guest, bad):
    api = signed_in(hotel, guest)
    response = api.patch("/api/v1/me/profile/", bad, content_type="application/json")
    assert response.status_code == 400


def test_the_api_profile_is_for_clients(hotel, hotel_client):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    assert hotel_client.get("/api/v1/me/profile/").status_code in (401, 403)
    assert signed_in(hotel, owner).get("/api/v1/me/profile/").status_code == 403
