"""Signups are limited per client address (every attempt, page and API together) and per
owner's email address (cabinets a day); a forged X-Forwarded-For changes nothing, and the
answer is a clear 429 in the person's language."""

import json

import pytest

from tenants.models import Tenant
from tests.tenants.test_signup import VALID


@pytest.fixture
def limits(settings):
    settings.SIGNUP_PER_CLIENT_PER_HOUR = 3
    settings.SIGNUP_PER_ADDRESS_PER_DAY = 1
    return settings


def bad_signup(client, *, via: str = "page", **extra):
    body = {**VALID, "slug": "ab"}  # too short: a 400 that still counts as an attempt
    if via == "api":
        return client.post("/api/v1/signup/", json.dumps(body), content_type="application/json",
                           **extra)  # fmt: skip
    return client.post("/signup/", body, **extra)


def test_a_client_is_stopped_after_its_hourly_attempts(platform_client, limits):
    # given three attempts from one address, on the page and through the API
    answers = [bad_signup(platform_client, via=via).status_code for via in ("page", "api", "page")]
    # when it tries once more, either way
    page = bad_signup(platform_client)
    api = bad_signup(platform_client, via="api")

    # then both are refused with a clear 429 and when to come back
    assert answers == [400, 400, 400]
    assert page.status_code == 429
    assert "Too many sign-ups at once" in page.content.decode()
    assert 0 < int(page["Retry-After"]) <= 3600
    assert api.status_code == 429
    assert api.json()["detail"].startswith("Too many sign-ups at once. Please try again later.")
    assert int(api["Retry-After"]) > 0


def test_another_client_is_not_held_back(platform_client, limits):
    for _ in range(4):
        bad_signup(platform_client, REMOTE_ADDR="198.51.100.7")

    assert bad_signup(platform_client, REMOTE_ADDR="198.51.100.8").status_code == 400


def test_a_forged_forwarded_for_changes_nothing(platform_client, limits):
    # given a client that writes a new X-Forwarded-For on every request (no proxy is trusted)
    answers = [
        bad_signup(platform_client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]
    # then it is one client all the same
    assert answers == [400, 400, 400, 429, 429]


def test_one_email_address_gets_one_cabinet_a_day(platform_client, limits):
    # given a cabinet signed up for an address
    first = platform_client.post("/signup/", VALID, REMOTE_ADDR="198.51.100.1")
    # when the same address signs up again from elsewhere, by page or API
    again = platform_client.post("/signup/", {**VALID, "slug": "sunrise-two"},
                                 REMOTE_ADDR="198.51.100.2")  # fmt: skip
    api = platform_client.post(
        "/api/v1/signup/", json.dumps({**VALID, "slug": "sunrise-three",
                                       "owner_email": VALID["owner_email"].upper()}),
        content_type="application/json", REMOTE_ADDR="198.51.100.3",
    )  # fmt: skip

    # then only the first cabinet exists
    assert first.status_code == 302
    assert (again.status_code, api.status_code) == (429, 429)
    assert list(Tenant.objects.filter(slug__startswith="sunrise").values_list("slug", flat=True))\
        == ["sunrise"]  # fmt: skip


def test_the_refusal_is_in_russian_on_the_russian_page(platform_client, limits):
    for _ in range(3):
        bad_signup(platform_client)

    response = platform_client.post("/signup/", {**VALID, "slug": "ab", "language": "ru"})

    assert response.status_code == 429
    assert "Слишком много регистраций" in response.content.decode()
