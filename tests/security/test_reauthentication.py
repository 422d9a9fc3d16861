"""ASVS 7.5.1 and 7.2.4 (docs/security.md): changing a way in (email, phone, password) asks for
the password again, however fresh the sign-in; proving it again gets a new session key, and the
old key is dead."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.middleware import SEEN_KEY
from rbac.models import User
from tests.factories import PASSWORD, UserFactory

PHONE = "+79161234567"


def signed_in(client: Client, user: User) -> Client:
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


CHANGES = {
    "email added": ("/accounts/email/", {"email": "new@example.com", "action_add": ""}),
    "phone changed": ("/accounts/phone/change/", {"phone": "+79167654321"}),
    "phone removed": ("/account/phone/remove/", {}),
}


def _state(user: User, twilio) -> tuple:
    """The account's ways in, and the texts sent (a new phone's code goes out before it counts)."""
    user.refresh_from_db()
    emails = sorted(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return (user.phone, user.phone_verified, emails, len(twilio.sms))


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_way_in_changes_only_after_the_password_is_given_again(
    hotel, hotel_client, change, twilio, eager_tasks, django_capture_on_commit_callbacks
):
    # given: a client who signed in a moment ago
    with tenant_context(hotel):
        guest = UserFactory(phone=PHONE, phone_verified=True)
        before = _state(guest, twilio)
    signed_in(hotel_client, guest)
    path, data = CHANGES[change]

    # when: they change a way in
    with django_capture_on_commit_callbacks(execute=True):
        response = hotel_client.post(path, data)

    # then: the password is asked for first, and nothing changed
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    with tenant_context(hotel):
        assert _state(guest, twilio) == before

    # and when they give it, the change goes through (allauth resumes the request)
    with django_capture_on_commit_callbacks(execute=True):
        response = hotel_client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    with tenant_context(hotel):
        assert _state(guest, twilio) != before


def test_a_wrong_password_changes_nothing(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory(phone=PHONE, phone_verified=True)
    signed_in(hotel_client, guest)
    location = hotel_client.post("/account/phone/remove/")["Location"]
    response = hotel_client.post(location, {"password": "not-the-password"})
    assert response.status_code == 400
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.phone == PHONE


def test_setting_a_first_password_asks_for_a_code_by_email_first(hotel, hotel_client):
    # given: a client who came through a sign-in provider (no password of their own)
    with tenant_context(hotel):
        guest = UserFactory()
        guest.set_unusable_password()
        guest.save(update_fields=["password"])
    with tenant_context(hotel):
        hotel_client.force_login(guest)

    # when: they open "set a password"
    response = hotel_client.get("/accounts/password/set/")

    # then: they prove the account is theirs first (a code to their verified email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/code/")


def test_re_authenticating_gets_a_new_session_key_and_the_old_one_is_dead(hotel, hotel_client):
    # given: a signed-in client whose cookie someone copied
    with tenant_context(hotel):
        guest = UserFactory()
    signed_in(hotel_client, guest)
    copied = hotel_client.cookies["sessionid"].value

    # when: the client proves their password again
    response = hotel_client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302

    # then: the browser has a new key that works, and the copy is worth nothing
    renewed = hotel_client.cookies["sessionid"].value
    assert renewed != copied
    assert hotel_client.get("/account/").status_code == 200
    replay = Client(HTTP_HOST="hotel.localhost")
    replay.cookies["sessionid"] = copied
    assert replay.get("/account/")["Location"].startswith("/accounts/login/")
    # and the sessions list follows the session to its new key
    with tenant_context(hotel):
        assert list(
            UserSession.objects.filter(user=guest).values_list("session_key", flat=True)
        ) == [renewed]


def test_unlocking_an_idle_session_gets_a_new_session_key(hotel, hotel_client):
    # given: a signed-in client, idle past the cabinet's timeout
    with tenant_context(hotel):
        guest = UserFactory()
    signed_in(hotel_client, guest)
    assert hotel_client.get("/").status_code == 200
    session = hotel_client.session
    session[SEEN_KEY] = session[SEEN_KEY] - 3600
    session.save()
    copied = hotel_client.cookies["sessionid"].value
    locked = hotel_client.get("/account/")
    assert locked["Location"].startswith("/accounts/reauthenticate/")

    # when: they unlock it with their password
    hotel_client.post(locked["Location"], {"password": PASSWORD})

    # then: the page opens on a new key; the old key is dead
    assert hotel_client.get("/account/").status_code == 200
    assert hotel_client.cookies["sessionid"].value != copied
    replay = Client(HTTP_HOST="hotel.localhost")
    replay.cookies["sessionid"] = copied
    assert replay.get("/account/").status_code == 302


def test_a_second_factor_change_long_after_signing_in_also_needs_it(hotel, hotel_client):
    with tenant_context(hotel):
        guest = UserFactory()
    signed_in(hotel_client, guest)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=1)):
        response = hotel_client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
