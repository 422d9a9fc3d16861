"""ASVS 5.0 V6.2 (docs/security.md): no composition rules, no password made of the context's
words (the platform's, the cabinet's, the person's own), no password known from a breach (a
k-anonymity range query that fails open), at every door that sets a password."""

import logging
import re
import socket

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.staff.tests.test_front_desk import create, slip_code
from cabinet.staff.tests.test_front_desk import desk as desk
from cabinet.staff.tests.test_team import invite
from cabinet.staff.tests.test_team import owner_client as owner_client
from rbac.models import User
from rbac.passwords import context_words
from tests.factories import PASSWORD, UserFactory
from tests.support.fake_pwned import FakePwned, fake_pwned

BREACHED = "sunshine-and-rainbows"  # long, not in Django's common list, "known from a breach"


@pytest.fixture
def pwned(settings) -> FakePwned:
    with fake_pwned({BREACHED: 4321}) as fake:
        settings.PWNED_PASSWORDS_URL = fake.url + "/range/"
        settings.PWNED_PASSWORDS_ALLOW_PRIVATE = True
        yield fake


def signup(client: Client, email: str, password: str) -> int:
    return client.post("/accounts/signup/", {"email": email, "password1": password}).status_code


def test_the_context_list_names_the_platform_the_cabinet_and_the_person(hotel):
    # given: the hotel cabinet ("Hotel Test" at hotel.localhost) and a person in it
    with tenant_context(hotel):
        person = User(email="anna.petrova@mail.example.com", full_name="Anna Petrova")
        # when
        words = context_words(person)
    # then
    assert {"kabinet", "hotel", "hoteltest", "anna", "petrova", "annapetrova", "mail"} <= words


@pytest.mark.parametrize(
    "password",
    ["Kabinet2026!!", "hotel-test-1234", "HOTELHOTEL99", "anna.petrova1990", "Petrova Anna 7"],
)
def test_passwords_made_of_the_contexts_words_are_refused(hotel, hotel_client, password):
    # when: a client signs up with a password made of the cabinet's or her own words
    status = hotel_client.post(
        "/accounts/signup/",
        {"email": "anna.petrova@mail.example.com", "password1": password},
    )
    # then: refused with the reason, and nothing is created
    assert status.status_code == 400
    assert "too easy to guess here" in status.content.decode()
    with tenant_context(hotel):
        assert not User.objects.filter(email="anna.petrova@mail.example.com").exists()


def test_a_passphrase_that_mentions_the_cabinet_is_allowed(hotel, hotel_client):
    status = signup(hotel_client, "guest@mail.example.com", "our week at the hotel by the sea")
    assert status == 302


def test_all_digit_passwords_are_not_a_composition_rule(hotel, hotel_client):
    # given: a long number nobody has breached, and a short common one
    # when / then: only a composition rule would refuse the long one; the short one is common
    assert signup(hotel_client, "digits@mail.example.com", "4815162342108") == 302
    assert signup(Client(HTTP_HOST="hotel.localhost"), "d2@mail.example.com", "12345678") == 400


def test_a_breached_password_is_refused_at_signup_and_only_a_prefix_leaves(
    hotel, hotel_client, pwned
):
    # when: a client signs up with a breached password, then with one of her own
    refused = hotel_client.post(
        "/accounts/signup/", {"email": "b@mail.example.com", "password1": BREACHED}
    )
    accepted = signup(Client(HTTP_HOST="hotel.localhost"), "b@mail.example.com", PASSWORD)

    # then
    assert refused.status_code == 400
    assert "appeared in a data breach" in refused.content.decode()
    assert accepted == 302
    # only 5 hex characters of each SHA-1 were sent
    assert len(pwned.asked) == 2
    assert all(re.fullmatch(r"/range/[0-9A-F]{5}", path) for path in pwned.asked)


def test_a_breached_password_is_refused_on_change_and_reset(hotel, hotel_client, pwned):
    # given: a signed-in client
    with tenant_context(hotel):
        guest = UserFactory(email="guest@hotel.example.com")
    hotel_client.post("/accounts/login/", {"login": guest.email, "password": PASSWORD})

    # when: she changes it to a breached one, then resets it to one
    change = hotel_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": BREACHED, "password2": BREACHED},
    )
    anonymous = Client(HTTP_HOST="hotel.localhost")
    anonymous.post("/accounts/password/reset/", {"email": guest.email})
    (link,) = re.findall(r"https?://[^\s\"<]+/password/reset/key/[^\s\"<]+", mail.outbox[-1].body)
    page = anonymous.get("/" + link.split("/", 3)[3], follow=True)
    reset = anonymous.post(
        page.redirect_chain[-1][0], {"password1": BREACHED, "password2": BREACHED}
    )

    # then: both refused, the password unchanged
    assert change.status_code == 400
    assert reset.status_code == 400
    with tenant_context(hotel):
        assert User.objects.get(pk=guest.pk).check_password(PASSWORD)


def test_a_breached_password_is_refused_on_joining_the_staff(
    hotel, owner_client, pwned, django_capture_on_commit_callbacks
):
    path = invite(owner_client, django_capture_on_commit_callbacks)
    invitee = Client(HTTP_HOST="hotel.localhost")
    assert invitee.post(path, {"full_name": "Anna", "password": BREACHED}).status_code == 400
    with tenant_context(hotel):
        assert not User.objects.filter(email="anna@staff.example.com").exists()
    assert invitee.get(path).status_code == 200  # the link still works


def test_a_breached_password_is_refused_at_the_front_desks_welcome(hotel, desk, pwned):
    code = slip_code(create(desk, email="slip@example.com").content.decode())
    guest = Client(HTTP_HOST="hotel.localhost")
    refused = guest.post(
        "/welcome/", {"login": "slip@example.com", "code": code, "password": BREACHED}
    )
    kept = guest.post(
        "/welcome/",
        {"login": "slip@example.com", "code": code, "password": "a long passphrase of mine"},
    )
    assert refused.status_code == 400
    assert kept.status_code == 302  # the code was not spent by the refusal


def test_an_unreachable_breach_service_fails_open_with_a_warning(
    hotel, hotel_client, settings, caplog
):
    # given: the service's address answers nothing (a port nobody listens on)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PWNED_PASSWORDS_URL = f"http://127.0.0.1:{port}/range/"
    settings.PWNED_PASSWORDS_ALLOW_PRIVATE = True

    # when
    with caplog.at_level(logging.WARNING, logger="rbac.passwords"):
        status = signup(hotel_client, "open@mail.example.com", BREACHED)

    # then: the other checks ran and passed; the skipped one is in the log
    assert status == 302
    assert "breached-password check skipped" in caplog.text


def test_a_failing_breach_service_fails_open(hotel, hotel_client, pwned):
    pwned.fail_next = 1
    assert signup(hotel_client, "fail@mail.example.com", BREACHED) == 302
