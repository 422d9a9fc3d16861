"""A session ends SESSION_COOKIE_AGE after signing in, however busy it is (ASVS 7.3.2): the idle
clock keeps a session in steady use alive, but not past its absolute lifetime."""

import datetime as dt

import time_machine
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import AuditEntry
from tests.factories import PASSWORD, UserFactory


def test_a_busy_session_still_ends_at_its_absolute_lifetime(hotel):
    # given: a guest who signs in and then opens a page every ten minutes
    with tenant_context(hotel):
        guest = UserFactory(email="busy@hotel.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")
    start = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert (
            browser.post(
                "/accounts/login/", {"login": guest.email, "password": PASSWORD}
            ).status_code
            == 302
        )
    lifetime = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    moment = start
    while moment < start + lifetime - dt.timedelta(minutes=10):
        moment += dt.timedelta(minutes=10)
        with time_machine.travel(moment, tick=False):
            assert browser.get("/account/").status_code == 200, moment - start
    # when: the next page comes after the lifetime
    with time_machine.travel(start + lifetime + dt.timedelta(minutes=1), tick=False):
        response = browser.get("/account/")
    # then: signed out, asked to sign in again, and it is in the audit log
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccount%2F"
    with tenant_context(hotel):
        assert AuditEntry.objects.filter(action="session.expired", actor=guest).exists()
