"""ASVS 5.0 V7 (docs/security.md): a signed-out session is dead on the server, every signed-in
page offers "Sign out", and changing a second factor asks for the password again."""

import datetime as dt

import time_machine
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.account import account_erase
from tests.factories import PASSWORD, UserFactory


def test_a_session_cookie_is_worthless_after_signing_out(hotel, hotel_client):
    # given: a signed-in client whose cookie someone copied
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    copied = hotel_client.cookies["sessionid"].value
    assert hotel_client.get("/account/").status_code == 200

    # when: the client signs out, and the copy is replayed
    hotel_client.post("/accounts/logout/")
    replay = Client(HTTP_HOST="hotel.localhost")
    replay.cookies["sessionid"] = copied
    response = replay.get("/account/")

    # then: the server no longer knows the session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_every_signed_in_area_offers_sign_out(hotel, hotel_client):
    # given: a client and a staff member
    with tenant_context(hotel):
        guest = UserFactory()
        staff = UserFactory(is_staff=True)
    staff_client = Client(HTTP_HOST="hotel.localhost")
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    staff_client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})

    # when: they open their pages, the account's own among them
    pages = [hotel_client.get(path) for path in ("/", "/account/", "/accounts/sessions/",
                                                 "/accounts/password/change/")]  # fmt: skip
    pages.append(staff_client.get("/staff/"))

    # then: each has the sign-out form
    for page in pages:
        assert page.status_code == 200
        assert 'action="/accounts/logout/"' in page.content.decode()


def test_changing_second_factors_long_after_signing_in_asks_for_the_password(hotel, hotel_client):
    # given: a client signed in ten minutes ago (inside the idle timeout, past allauth's
    # five-minute re-authentication window)
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=10)):
        assert hotel_client.get("/").status_code == 200  # active: not the idle lock
        # when: an authenticator app or passkey is to be added
        pages = [hotel_client.get(path) for path in ("/accounts/2fa/totp/activate/",
                                                     "/accounts/2fa/webauthn/add/")]  # fmt: skip

    # then: the password is asked for first
    for page in pages:
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/reauthenticate/")


def test_a_deleted_accounts_sessions_end_with_it(hotel, hotel_client):
    # given: a signed-in client
    with tenant_context(hotel):
        guest = UserFactory()
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})
    assert hotel_client.get("/account/").status_code == 200

    # when: the account is erased (the nightly purge's own call)
    with tenant_context(hotel):
        account_erase(user=guest)

    # then: the browser is signed out
    response = hotel_client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
