"""A platform admin inside a cabinet as its owner can look and help, but makes nothing that
outlasts the visit (API keys, webhooks, sign-in providers, invitations, DRF tokens, passwords,
passkeys, two-factor): those answer 403 with a clear message and are audited. The banner shows
the time left (a static script, no inline one) and an exit back to the control panel."""

import json
import re
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from rbac.models import ApiKey, AuditEntry, User
from tests.control.test_control_panel import make_admin

MESSAGE = "nothing that outlasts the visit can be made"


@pytest.fixture
def inside(platform_client: Client, hotel) -> Client:
    """The admin's browser, inside the hotel as its owner."""
    admin, _secret = make_admin()
    platform_client.force_login(admin)
    response = platform_client.post(f"/control/tenants/{hotel.pk}/impersonate/",
                                    {"reason": "ticket 7"})  # fmt: skip
    location = urlsplit(response["Location"])
    browser = Client(HTTP_HOST="hotel.localhost")
    assert browser.post(location.path, {"t": location.query[2:]}).status_code == 302
    return browser


@pytest.fixture
def owner_browser(hotel) -> Client:
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(User.objects.get(email=hotel.owner_email))
    return browser


CREDENTIAL_WRITES = [
    ("/staff/api-keys/", {"name": "backdoor", "scopes": ["clients:read"]}),
    ("/staff/webhooks/", {"url": "https://hooks.example.com/x", "events": ["order.created"]}),
    ("/staff/sign-in/", {"kind": "oidc", "name": "Evil ID"}),
    ("/staff/team/invite/", {"email": "accomplice@example.com", "role": "admin"}),
    ("/accounts/2fa/totp/activate/", {"code": "123456"}),
    ("/accounts/2fa/webauthn/add/", {"name": "my key"}),
    ("/accounts/2fa/recovery-codes/generate/", {}),
    ("/accounts/password/change/", {"oldpassword": "x", "password1": "y", "password2": "y"}),
    ("/accounts/email/", {"email": "admin@evil.example", "action_add": ""}),
]


@pytest.mark.parametrize(("path", "data"), CREDENTIAL_WRITES)
def test_an_impersonator_makes_no_lasting_credential(inside, hotel, path, data):
    # when the impersonating admin tries to make one
    response = inside.post(path, data)

    # then it is refused, said in words, and audited
    assert response.status_code == 403
    assert MESSAGE in response.content.decode()
    with tenant_context(hotel):
        refused = AuditEntry.objects.get(action="impersonation.refused")
        assert refused.reason == f"POST {path}"
        assert refused.impersonated_by
        assert not ApiKey.objects.exists()


def test_an_impersonator_gets_no_api_token(inside, hotel):
    response = inside.post("/api/v1/auth/token/", json.dumps({"email": hotel.owner_email,
                           "password": "guessed"}), content_type="application/json")  # fmt: skip

    assert response.status_code == 403
    assert MESSAGE in response.json()["detail"]


def test_an_impersonator_still_reads_and_works(inside):
    assert inside.get("/staff/api-keys/").status_code == 200
    assert inside.get("/staff/").status_code == 200
    assert inside.get("/accounts/2fa/").status_code == 200


def test_the_owner_still_makes_keys(owner_browser, hotel):
    response = owner_browser.post("/staff/api-keys/", {"name": "crm", "scopes": ["clients:read"]})

    assert response.status_code == 200
    with tenant_context(hotel):
        assert ApiKey.objects.filter(name="crm").exists()


def test_the_banner_counts_down_and_offers_an_exit(inside):
    page = inside.get("/staff/").content.decode()

    ends = int(re.search(r'data-impersonation-ends="(\d+)"', page).group(1))
    assert 29 * 60 < ends - time.time() <= 30 * 60
    assert "Ends at " in page
    assert 'data-left-text="Ends in {time}."' in page
    assert 'action="/staff/impersonation/exit/"' in page
    assert '<script src="/static/js/impersonation.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (CSP)


def test_the_banner_speaks_russian(inside, hotel):
    with tenant_context(hotel):
        User.objects.filter(email=hotel.owner_email).update(language="ru")
    page = inside.get("/staff/").content.decode()
    assert "Выйти" in page
    assert "Закончится в" in page


def test_exit_signs_the_admin_out_and_goes_back_to_the_control_panel(inside, hotel):
    response = inside.post("/staff/impersonation/exit/")

    assert response.status_code == 302
    assert response["Location"] == f"http://localhost/control/tenants/{hotel.pk}/"
    assert inside.get("/staff/").status_code == 302  # signed out here
    with tenant_context(hotel):
        ended = AuditEntry.objects.get(action="impersonation.ended")
        assert ended.reason == "ticket 7"


def test_exit_does_nothing_for_someone_not_impersonating(owner_browser):
    response = owner_browser.post("/staff/impersonation/exit/")

    assert response["Location"] == "/staff/"
    assert owner_browser.get("/staff/").status_code == 200  # still signed in
