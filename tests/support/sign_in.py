"""Proving the password again, as allauth's re-authentication page asks before an account's
ways in change (email, phone, password, second factors; ASVS 7.5.1): a fresh sign-in alone is
not enough, only a re-authentication in the last five minutes is."""

from django.test import Client

from tests.factories import PASSWORD


def reauthenticated(browser: Client, password: str = PASSWORD) -> Client:
    response = browser.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return browser
