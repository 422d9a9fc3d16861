import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.bookings.models import Event
from cabinet.catalog.models import CatalogItem
from cabinet.content.models import InfoPage
from rbac.models import AuditEntry, User
from tenants.models import Tenant, TenantEvent, TenantStatus

VALID = {
    "business_name": "Sunrise Hotel",
    "slug": "sunrise",
    "vertical": "hotel",
    "owner_email": "owner@sunrise.example.com",
    "password": "a sunny long passphrase",
    "language": "en",
}


def follow_handoff(url: str) -> Client:
    """What the owner's browser does with the hand-off URL: load the page, post the token."""
    parts = urlsplit(url)
    browser = Client(HTTP_HOST=parts.netloc)
    page = browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    token = parts.query.removeprefix("t=")
    response = browser.post(parts.path, {"t": token})
    assert response.status_code == 302, response.content
    # a new owner lands on the optional colours-and-logo step, which they may skip
    assert response["Location"] == "/staff/branding/start/"
    return browser


def test_the_signup_page_shows_the_form(platform_client):
    html = platform_client.get("/signup/").content.decode()
    assert 'name="slug"' in html
    assert 'autocomplete="new-password"' in html


def test_a_business_signs_up_and_lands_in_its_staff_area_signed_in(platform_client):
    # when
    response = platform_client.post("/signup/", VALID)
    # then it is redirected to its own host with a hand-off token
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://sunrise.localhost/staff/handoff/?t=")
    owner = follow_handoff(location)
    staff = owner.get("/staff/")
    assert staff.status_code == 200
    assert b"Hello" in staff.content
    tenant = Tenant.objects.get(slug="sunrise")
    assert tenant.status == TenantStatus.TRIAL
    assert tenant.events.filter(kind=TenantEvent.Kind.PROVISIONED).exists()


def test_the_owner_gives_their_name_and_the_back_office_greets_them_by_it(platform_client):
    # given the signup form, which asks for the owner's name
    assert b'name="owner_name"' in platform_client.get("/signup/").content

    # when a business signs up with it
    response = platform_client.post("/signup/", {**VALID, "owner_name": "  Anna   Berg "})

    # then the owner's account carries it, and their home says hello to Anna, not to "owner"
    staff = follow_handoff(response["Location"]).get("/staff/")
    assert "Hello, Anna" in staff.content.decode()
    with tenant_context(Tenant.objects.get(slug="sunrise")):
        assert User.objects.get(email=VALID["owner_email"]).full_name == "Anna Berg"


def test_a_new_cabinet_starts_with_its_verticals_starter_content(platform_client):
    platform_client.post("/signup/", VALID)
    with tenant_context(Tenant.objects.get(slug="sunrise")):
        assert InfoPage.objects.filter(kind=InfoPage.Kind.WELCOME).exists()
        assert CatalogItem.objects.filter(name="Bottle of champagne").exists()
        assert CatalogItem.objects.filter(price=0).exists()  # something included for free
        assert Event.objects.filter(kind=Event.Kind.EXCURSION).exists()


def test_the_hand_off_link_works_once(platform_client):
    location = platform_client.post("/signup/", VALID)["Location"]
    follow_handoff(location)
    parts = urlsplit(location)
    replay = Client(HTTP_HOST=parts.netloc).post(parts.path, {"t": parts.query[2:]})
    assert replay.status_code == 400
    assert b"no longer works" in replay.content


def test_a_hand_off_token_is_useless_on_another_cabinet(platform_client, hotel):
    location = platform_client.post("/signup/", VALID)["Location"]
    token = urlsplit(location).query[2:]
    response = Client(HTTP_HOST="hotel.localhost").post("/staff/handoff/", {"t": token})
    assert response.status_code == 400


def test_a_tampered_or_stale_token_is_refused(platform_client):
    location = platform_client.post("/signup/", VALID)["Location"]
    parts = urlsplit(location)
    token = parts.query[2:]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert Client(HTTP_HOST=parts.netloc).post(parts.path, {"t": tampered}).status_code == 400
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=61)):
        assert Client(HTTP_HOST=parts.netloc).post(parts.path, {"t": token}).status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "ab"),
        ("slug", "a" * 41),
        ("slug", "h😀tel"),
        ("slug", "xn--80ak6aa92e"),
        ("slug", "ADMIN"),
        ("slug", "Www"),
        ("slug", "<script>"),
        ("slug", ""),
        ("business_name", "x" * 121),
        ("business_name", "   "),
        ("owner_email", "not-an-email"),
        ("owner_email", "a" * 250 + "@example.com"),
        ("password", "short"),
        ("password", "password123"),
        ("vertical", "casino"),
        ("language", "xx"),
    ],
)
def test_bad_input_is_answered_next_to_its_field_and_creates_nothing(platform_client, field, value):
    before = Tenant.objects.count()
    response = platform_client.post("/signup/", {**VALID, field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Tenant.objects.count() == before


def test_a_missing_field_is_a_clear_400(platform_client):
    data = dict(VALID)
    del data["owner_email"]
    response = platform_client.post("/signup/", data)
    assert response.status_code == 400
    assert "owner_email" in response.context["form"].errors


def test_a_taken_address_is_refused_in_any_case(platform_client, hotel):
    response = platform_client.post("/signup/", {**VALID, "slug": "HOTEL"})
    assert response.status_code == 400
    assert "already taken" in response.content.decode()


def test_errors_come_in_the_chosen_language(platform_client):
    response = platform_client.post("/signup/", {**VALID, "slug": "ab", "language": "ru"})
    assert response.status_code == 400
    assert "символ" in response.content.decode()  # "… от 3 до 40 символов"


def test_a_german_reader_signs_up_a_german_cabinet(platform_client):
    # given the signup page read in German
    platform_client.cookies["django_language"] = "de"
    page = platform_client.get("/signup/").content.decode()
    assert '<option value="de" selected>Deutsch</option>' in page
    assert "Erstellen Sie Ihr Portal" in page

    # when the form is sent with German as the cabinet's language
    german = {**VALID, "slug": "sonnenaufgang", "language": "de"}
    response = platform_client.post("/signup/", german)

    # then the cabinet speaks German by default
    assert response.status_code == 302
    assert Tenant.objects.get(schema_name="sonnenaufgang").default_language == "de"


def test_errors_come_in_german_when_german_is_chosen(platform_client):
    response = platform_client.post("/signup/", {**VALID, "slug": "ab", "language": "de"})
    assert response.status_code == 400
    assert "Zeichen lang sein" in response.content.decode()  # "… 3 bis 40 Zeichen lang sein."


def test_html_in_the_name_is_stored_as_text_and_never_rendered(platform_client):
    response = platform_client.post(
        "/signup/", {**VALID, "business_name": "<img src=x onerror=alert(1)>"}
    )
    owner = follow_handoff(response["Location"])
    html = owner.get("/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


def test_the_slug_check_answers_while_typing(platform_client, hotel):
    assert "is free" in platform_client.get("/signup/check/", {"slug": "sunrise"}).content.decode()
    taken = platform_client.get("/signup/check/", {"slug": "hotel"}).content.decode()
    assert "already taken" in taken
    assert (
        "status-bad" in platform_client.get("/signup/check/", {"slug": "x" * 500}).content.decode()
    )


def test_signup_through_the_api(platform_client):
    response = platform_client.post(
        "/api/v1/signup/", json.dumps(VALID), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cabinet_url"] == "http://sunrise.localhost/"
    follow_handoff(body["handoff_url"])
    with tenant_context(Tenant.objects.get(slug="sunrise")):
        owner = User.objects.get(email=VALID["owner_email"])
        assert owner.check_password(VALID["password"])
        assert AuditEntry.objects.filter(action="login.handoff").exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ("business_name=x", "application/x-www-form-urlencoded", 415),
        (json.dumps({**VALID, "slug": "ab"}), "application/json", 400),
        (json.dumps({**VALID, "password": 5}), "application/json", 400),
    ],
)
def test_the_api_answers_malformed_signups_with_a_4xx(platform_client, body, content_type, status):
    response = platform_client.post("/api/v1/signup/", body, content_type=content_type)
    assert response.status_code == status
    assert not Tenant.objects.filter(slug="sunrise").exists()


def test_the_api_tells_whether_an_address_is_free(platform_client, hotel):
    assert platform_client.get("/api/v1/signup/slug/", {"slug": "sunrise"}).json()["available"]
    taken = platform_client.get("/api/v1/signup/slug/", {"slug": "hotel"}).json()
    assert taken["available"] is False
    assert taken["reason"]


def test_the_api_defaults_the_language_as_its_schema_says(platform_client):
    body = {key: value for key, value in VALID.items() if key != "language"}
    response = platform_client.post(
        "/api/v1/signup/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    assert Tenant.objects.get(slug="sunrise").default_language == "en"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost", "http://sunrise.localhost/"),  # behind the proxy: the server is on :8000
        ("localhost:8000", "http://sunrise.localhost:8000/"),  # a development server
        ("localhost:80", "http://sunrise.localhost/"),
    ],
)
def test_the_new_cabinets_address_keeps_the_port_the_visitor_used(platform_client, host, expected):
    response = platform_client.post(
        "/api/v1/signup/", json.dumps(VALID), content_type="application/json",
        HTTP_HOST=host, SERVER_PORT="8000",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["cabinet_url"] == expected
    assert response.json()["handoff_url"].startswith(expected)
