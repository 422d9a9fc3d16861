"""Sign-up, verification, sign-in, lockout, idle lock and password reset in a tenant's cabinet,
and that none of it carries over to another tenant."""

import datetime as dt
import re

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry, SecurityPolicy, User
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a brand new long passphrase"


def links_in(message: mail.EmailMessage) -> list[str]:
    return re.findall(r"https?://[^\s\"<]+", message.body)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_a_client_registers_verifies_and_is_signed_in(hotel, hotel_client):
    # when a new client registers
    response = hotel_client.post(
        "/accounts/signup/", {"email": "new@guest.example.com", "password1": NEW_PASSWORD}
    )
    assert response.status_code == 302
    # then a branded verification email arrives
    (message,) = mail.outbox
    assert message.subject.startswith("[Hotel Test]")
    assert "Hotel Test" in message.from_email
    (link,) = [link for link in links_in(message) if "/accounts/confirm-email/" in link]
    assert link.startswith("http://hotel.localhost/")
    # and following it signs the client in
    assert hotel_client.get(path_of(link)).status_code == 200
    response = hotel_client.post(path_of(link))
    assert response.status_code == 302
    assert b"Welcome back" in hotel_client.get("/").content
    with tenant_context(hotel):
        assert User.objects.filter(email="new@guest.example.com", is_staff=False).exists()


def test_a_verification_link_of_hotel_means_nothing_on_shop(hotel, hotel_client, shop_client):
    hotel_client.post(
        "/accounts/signup/", {"email": "new@guest.example.com", "password1": NEW_PASSWORD}
    )
    (link,) = [link for link in links_in(mail.outbox[0]) if "confirm-email" in link]
    response = shop_client.post(path_of(link))
    assert response.status_code in (200, 404)  # "invalid or expired" page, never a sign-in
    assert "_auth_user_id" not in shop_client.session


def test_registration_can_be_closed_by_the_owner(hotel, hotel_client):
    with tenant_context(hotel):
        SecurityPolicy.objects.create(registration=SecurityPolicy.Registration.INVITATION)
    hotel_client.post(
        "/accounts/signup/", {"email": "new@guest.example.com", "password1": NEW_PASSWORD}
    )
    with tenant_context(hotel):
        assert not User.objects.filter(email="new@guest.example.com").exists()


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("a" * 250 + "@example.com", NEW_PASSWORD),
        ("not-an-email", NEW_PASSWORD),
        ("<script>@x.com", NEW_PASSWORD),
        ("ok@guest.example.com", "short"),
        ("ok@guest.example.com", "password"),
        ("ok@guest.example.com", "ok@guest.example.com"),
    ],
)
def test_bad_signups_are_refused_and_create_nothing(hotel, hotel_client, email, password):
    response = hotel_client.post("/accounts/signup/", {"email": email, "password1": password})
    assert response.status_code == 400  # the form again, with the reason
    assert b"field-error" in response.content or b"errorlist" in response.content
    with tenant_context(hotel):
        assert User.objects.filter(is_staff=False).count() == 0


def test_any_characters_and_long_passphrases_are_allowed(hotel, hotel_client):
    passphrase = "Пароль с пробелами и эмодзи 🌊 " * 8
    response = hotel_client.post(
        "/accounts/signup/", {"email": "long@guest.example.com", "password1": passphrase}
    )
    assert response.status_code == 302
    with tenant_context(hotel):
        assert User.objects.get(email="long@guest.example.com").check_password(passphrase)


def test_passwords_are_stored_with_argon2(hotel):
    with tenant_context(hotel):
        assert UserFactory().password.startswith("argon2")


def test_lockout_after_five_failures_is_audited_once(hotel, hotel_client):
    with tenant_context(hotel):
        UserFactory(email="guest@hotel.example.com")
    for _ in range(5):
        hotel_client.post("/accounts/login/", {"login": "guest@hotel.example.com", "password": "x"})
    # now even the right password is refused
    response = hotel_client.post(
        "/accounts/login/", {"login": "guest@hotel.example.com", "password": PASSWORD}
    )
    assert response.status_code == 429  # locked out: try again later
    assert "Too many failed login attempts" in response.content.decode()
    hotel_client.post("/accounts/login/", {"login": "guest@hotel.example.com", "password": "x"})
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="login.locked_out").count() == 1


def test_a_lockout_on_hotel_does_not_lock_the_same_email_on_shop(hotel, shop, shop_client):
    hotel_client = Client(HTTP_HOST="hotel.localhost")
    for _ in range(6):
        hotel_client.post("/accounts/login/", {"login": "same@example.com", "password": "x"})
    with tenant_context(shop):
        UserFactory(email="same@example.com")
    response = shop_client.post(
        "/accounts/login/", {"login": "same@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_password_reset_link_works_once_and_only_where_it_was_made(hotel, shop):
    with tenant_context(hotel):
        UserFactory(email="guest@example.com")
    with tenant_context(shop):
        UserFactory(email="guest@example.com")
    hotel_client = Client(HTTP_HOST="hotel.localhost")
    hotel_client.post("/accounts/password/reset/", {"email": "guest@example.com"})
    (link,) = [link for link in links_in(mail.outbox[0]) if "/password/reset/key/" in link]
    # on shop, the same path is not a valid key
    shop_page = Client(HTTP_HOST="shop.localhost").get(path_of(link), follow=True)
    assert "new password" not in shop_page.content.decode().lower() or "bad token" in (
        shop_page.content.decode().lower()
    )
    # on hotel it sets a new password, once
    page = hotel_client.get(path_of(link), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path_of(link)
    done = hotel_client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    with tenant_context(hotel):
        assert User.objects.get(email="guest@example.com").check_password(NEW_PASSWORD)
    with tenant_context(shop):
        assert User.objects.get(email="guest@example.com").check_password(PASSWORD)
    again = Client(HTTP_HOST="hotel.localhost").get(path_of(link), follow=True)
    assert "bad token" in again.content.decode().lower() or again.status_code in (400, 404)


def test_the_idle_session_asks_for_the_password_and_continues(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    assert hotel_client.get("/").status_code == 200
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=16)
    with time_machine.travel(later):
        response = hotel_client.get("/accounts/sessions/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/?next=")
        # still locked, whatever the page
        assert hotel_client.get("/").status_code == 302
        done = hotel_client.post(response["Location"], {"password": PASSWORD})
        assert done.status_code == 302
        assert done["Location"] == "/accounts/sessions/"
        assert hotel_client.get("/").status_code == 200
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="session.idle_locked").count() == 1


def test_the_owner_sets_a_longer_idle_timeout(hotel, hotel_client):
    with tenant_context(hotel):
        SecurityPolicy.objects.create(idle_timeout_minutes=60)
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=30)):
        assert hotel_client.get("/").status_code == 200


def test_signing_in_rotates_the_session_key_and_cookies_are_host_only(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.get("/accounts/login/")
    hotel_client.session.save()
    before = hotel_client.session.session_key
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    cookie = hotel_client.cookies["sessionid"]
    assert cookie.value != before
    assert cookie["domain"] == ""
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_sessions_are_listed_and_can_be_ended(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    page = hotel_client.get("/accounts/sessions/")
    assert page.status_code == 200
    assert "127.0.0.1" in page.content.decode()


def test_session_activity_is_tracked_as_often_as_the_idle_clock_not_on_every_request(
    hotel, hotel_client
):
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    hotel_client.get("/")  # the first page marks the session as seen
    with CaptureQueriesContext(connection) as queries:
        assert hotel_client.get("/").status_code == 200
    assert not [q for q in queries if "usersessions_usersession" in q["sql"]]
    with tenant_context(hotel):
        first_seen = UserSession.objects.get(user=guest).last_seen_at
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=45)):
        assert hotel_client.get("/").status_code == 200
    with tenant_context(hotel):
        assert UserSession.objects.get(user=guest).last_seen_at > first_seen


def test_language_is_chosen_and_remembered(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/language/", {"language": "ru", "next": "/"})
    assert hotel_client.get("/accounts/login/")["Content-Language"] == "ru"
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    with tenant_context(hotel):
        guest.refresh_from_db()
    hotel_client.post("/language/", {"language": "en", "next": "https://evil.example.com/"})
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.language == "en"
    hotel_client.post("/language/", {"language": "xx"})
    assert hotel_client.get("/")["Content-Language"] == "en"


def test_the_tenant_default_language_applies_until_someone_chooses(hotel):
    hotel.default_language = "ru"
    hotel.save(update_fields=["default_language"])
    assert Client(HTTP_HOST="hotel.localhost").get("/")["Content-Language"] == "ru"


def test_the_cabinet_speaks_russian_when_chosen(hotel, hotel_client):
    hotel_client.post("/language/", {"language": "ru", "next": "/"})
    page = hotel_client.get("/").content.decode()
    assert "Войти в личный кабинет" in page
    assert 'lang="ru"' in page
    assert "Войти" in hotel_client.get("/accounts/login/").content.decode()  # django-allauth


def test_a_client_gives_their_name_at_signup(hotel, hotel_client):
    response = hotel_client.post(
        "/accounts/signup/",
        {"full_name": "  Мария   Лопес ", "email": "maria@guest.example.com",
         "password1": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_context(hotel):
        assert User.objects.get(email="maria@guest.example.com").full_name == "Мария Лопес"


@pytest.mark.parametrize(
    "name", ["<script>alert(1)</script>", "<b>Maria</b>", "Maria\x00Lopez", "M" * 151]
)
def test_html_script_and_overlong_names_are_refused(hotel, hotel_client, name):
    response = hotel_client.post(
        "/accounts/signup/",
        {"full_name": name, "email": "maria@guest.example.com", "password1": NEW_PASSWORD},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page
    assert "<script>alert(1)</script>" not in page
    with tenant_context(hotel):
        assert not User.objects.filter(email="maria@guest.example.com").exists()
