"""A person's own sessions (ASVS 7.5.2, 7.4.3; docs/security.md): the sessions page ends one
chosen device or all the others, after the password is given again; a new password or a changed
second factor comes with the offer to sign out everywhere else."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from rbac.models import AuditEntry, User
from tests.factories import PASSWORD, UserFactory
from tests.support.sign_in import reauthenticated

NEW_PASSWORD = "a brand new long passphrase"


def browser_of(user: User, agent: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0") -> Client:
    browser = Client(HTTP_HOST="hotel.localhost", HTTP_USER_AGENT=agent)
    response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def signed_in(browser: Client) -> bool:
    return browser.get("/account/").status_code == 200


def session_of(hotel, browser: Client) -> UserSession:
    with tenant_context(hotel):
        return UserSession.objects.get(session_key=browser.cookies["sessionid"].value)


def test_one_chosen_session_ends_alone_after_the_password(hotel):
    # given: a client signed in on a laptop, a phone and a tablet, with an API token
    with tenant_context(hotel):
        guest = UserFactory()
        Token.objects.create(user=guest)
    laptop, phone, tablet = browser_of(guest), browser_of(guest), browser_of(guest)
    lost = session_of(hotel, phone)
    page = laptop.get("/accounts/sessions/").content.decode()
    assert page.count("Sign out this device") == 2  # not on the laptop's own card

    # when: the laptop signs the phone out
    response = laptop.post("/accounts/sessions/", {"action": "one", "session": lost.pk})

    # then: the password is asked for first, and the phone is still in
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert signed_in(phone)
    # and once it is given, the phone alone is out
    laptop.post(response["Location"], {"password": PASSWORD})
    assert not signed_in(phone)
    assert signed_in(tablet)
    assert signed_in(laptop)
    with tenant_context(hotel):
        assert Token.objects.filter(user=guest).exists()  # a device, not the integrations
        assert AuditEntry.objects.filter(action="session.ended", target_id=str(guest.pk)).exists()


def test_all_other_sessions_end_after_the_password(hotel):
    with tenant_context(hotel):
        guest = UserFactory()
    laptop, phone = browser_of(guest), browser_of(guest)

    response = laptop.post("/accounts/sessions/", {"action": "others"})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert signed_in(phone)

    laptop.post(response["Location"], {"password": PASSWORD})
    assert not signed_in(phone)
    assert signed_in(laptop)


def test_another_persons_session_or_a_bad_id_is_404(hotel):
    with tenant_context(hotel):
        guest, other = UserFactory(), UserFactory()
    mine, theirs = browser_of(guest), browser_of(other)
    reauthenticated(mine)
    for session in (session_of(hotel, theirs).pk, "x", "99999999999999999999999", ""):
        response = mine.post("/accounts/sessions/", {"action": "one", "session": session})
        assert response.status_code == 404
    assert signed_in(theirs)


def test_a_new_password_signs_out_every_other_device_and_says_so(hotel):
    # given: a client signed in on two devices, with an API token
    with tenant_context(hotel):
        guest = UserFactory()
        Token.objects.create(user=guest)
    laptop, phone = browser_of(guest), browser_of(guest)

    # when: they change their password on the laptop
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )

    # then: the page says the others are out, and they are; the laptop stays in
    assert "Your other sessions are signed out and your API tokens ended." in (
        response.content.decode()
    )
    assert not signed_in(phone)
    assert signed_in(laptop)
    with tenant_context(hotel):
        assert not Token.objects.filter(user=guest).exists()
        assert list(
            UserSession.objects.filter(user=guest).values_list("session_key", flat=True)
        ) == [laptop.cookies["sessionid"].value]
        assert AuditEntry.objects.filter(
            action="sessions.ended", reason="password changed"
        ).exists()


def test_a_password_reset_signs_out_every_device(hotel, hotel_client):
    # given: a client signed in somewhere, who forgot their password
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    somewhere = browser_of(guest)

    # when: they reset it from the emailed link
    hotel_client.post("/accounts/password/reset/", {"email": guest.email})
    (link,) = re.findall(r"https?://[^\s\"<]+/password/reset/key/[^\s\"<]+", mail.outbox[-1].body)
    page = hotel_client.get("/" + link.split("/", 3)[3], follow=True)
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    done = hotel_client.post(page.redirect_chain[-1][0], data, follow=True)

    # then: every device is signed out, and the page says so
    assert not signed_in(somewhere)
    assert "Your other sessions are signed out" in done.content.decode()
    with tenant_context(hotel):
        assert not UserSession.objects.filter(user=guest).exists()
        assert AuditEntry.objects.filter(action="sessions.ended", reason="password reset").exists()


def second_factor_removed(hotel, guest: User) -> tuple[Client, Client, HttpResponse]:
    """The guest, signed in on a laptop and a phone, turns their authenticator app off on the
    laptop; returns the laptop, the phone and the page the laptop landed on."""
    with tenant_context(hotel):
        TOTP.activate(guest, generate_totp_secret())
    laptop, phone = Client(HTTP_HOST="hotel.localhost"), Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        laptop.force_login(guest)
        phone.force_login(guest)
    reauthenticated(laptop)
    landed = laptop.post("/accounts/2fa/totp/deactivate/", follow=True)
    return laptop, phone, landed


def test_changing_a_second_factor_offers_to_sign_out_everywhere_else(hotel):
    # given: a client with an API token and an authenticator app, on two devices
    with tenant_context(hotel):
        guest = UserFactory()
        Token.objects.create(user=guest)

    # when: they turn the authenticator app off on the laptop
    laptop, phone, landed = second_factor_removed(hotel, guest)

    # then: the page they land on offers to sign out everywhere else
    page = landed.content.decode()
    assert "Your two-factor sign-in changed" in page
    assert 'action="/accounts/sessions/offer/"' in page
    assert signed_in(phone)
    # and accepting it (no second password: it was just proven) ends the phone and the token
    accepted = laptop.post("/accounts/sessions/offer/", {"answer": "end"})
    assert accepted["Location"] == "/accounts/sessions/"
    assert not signed_in(phone)
    assert signed_in(laptop)
    with tenant_context(hotel):
        assert not Token.objects.filter(user=guest).exists()
    assert (
        "Your two-factor sign-in changed" not in laptop.get("/accounts/sessions/").content.decode()
    )


def test_keeping_the_other_sessions_keeps_them(hotel):
    with tenant_context(hotel):
        guest = UserFactory()
    laptop, phone, _landed = second_factor_removed(hotel, guest)

    kept = laptop.post(
        "/accounts/sessions/offer/", {"answer": "keep", "back": "https://evil.example/"}
    )

    assert kept["Location"] == "/accounts/sessions/"  # never off the cabinet's host
    assert signed_in(phone)
    assert "Your two-factor sign-in changed" not in laptop.get("/accounts/2fa/").content.decode()


def test_without_a_change_just_now_the_offer_ends_nothing(hotel):
    # a forged "end" with no second factor changed: nothing ends without a proof
    with tenant_context(hotel):
        guest = UserFactory()
    laptop, phone = browser_of(guest), browser_of(guest)
    response = laptop.post("/accounts/sessions/offer/", {"answer": "end"})
    assert response["Location"] == "/accounts/sessions/"
    assert signed_in(phone)
