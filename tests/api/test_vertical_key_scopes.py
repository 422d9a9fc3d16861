"""API-key scopes of the vertical endpoints: each vertical declares its scopes in its AppConfig;
the owner's key editor offers the core's and its own vertical's, in the owner's language; a key
without the scope an operation names gets a 403 that says which; the schema says it too."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.verticals import vertical_named
from rbac.api_keys import api_key_create
from rbac.models import User
from tests.conftest import host_of

# vertical: (its read scope, a list to read, its write scope, a write (method, path, body))
CASES = {
    "hotel": ("stays:read", "/api/v1/staff/stays/", "stays:write",
              ("put", "/api/v1/staff/stays/by-external-id/PMS-1/", {})),
    "shop": ("shipments:read", "/api/v1/staff/shipments/", "shipments:write",
             ("post", "/api/v1/staff/shipments/999999/status/", {"status": "packed"})),
    "school": ("school:read", "/api/v1/staff/classes/", "school:write",
               ("post", "/api/v1/staff/classes/999999/grades/", {})),
}  # fmt: skip


def owner(tenant) -> User:
    return User.objects.get(email=f"owner@{tenant.slug}.example.com")


def key(tenant, *scopes: str) -> Client:
    with tenant_context(tenant):
        _key, text = api_key_create(name="SIS", scopes=list(scopes), by=owner(tenant))
    return Client(HTTP_HOST=host_of(tenant), HTTP_AUTHORIZATION=f"Api-Key {text}")


def send(api: Client, method: str, path: str, body: dict):
    return getattr(api, method)(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("vertical", CASES)
def test_a_key_with_the_verticals_read_scope_reads_and_one_without_it_is_refused(request, vertical):
    # given
    tenant = request.getfixturevalue(vertical)
    read, listing, _write, _op = CASES[vertical]
    scoped, unscoped = key(tenant, read), key(tenant, "clients:read")

    # when
    allowed, refused = scoped.get(listing), unscoped.get(listing)

    # then
    assert allowed.status_code == 200, allowed.content
    assert refused.status_code == 403
    assert read in refused.json()["detail"]


@pytest.mark.parametrize("vertical", CASES)
def test_a_write_needs_the_write_scope(request, vertical):
    # given
    tenant = request.getfixturevalue(vertical)
    read, _listing, write, (method, path, body) = CASES[vertical]

    # when
    read_only = send(key(tenant, read), method, path, body)
    writer = send(key(tenant, read, write), method, path, body)

    # then
    assert read_only.status_code == 403
    assert write in read_only.json()["detail"]
    assert writer.status_code in (400, 404)  # past the key's check: the request itself is judged


def test_each_vertical_declares_its_scopes_in_its_app_config(db):
    for vertical, (read, _listing, write, _op) in CASES.items():
        assert {read, write} <= set(vertical_named(vertical).api_scopes)


def test_a_key_cannot_carry_another_verticals_scope(hotel, school):
    # given / when / then
    with tenant_context(hotel), pytest.raises(ValidationError):
        api_key_create(name="SIS", scopes=["school:read"], by=owner(hotel))
    with tenant_context(school):
        _key, _text = api_key_create(name="SIS", scopes=["school:read"], by=owner(school))


def test_the_key_editor_lists_the_verticals_scopes_in_the_owners_language(school):
    # given
    with tenant_context(school):
        boss = owner(school)
        User.objects.filter(pk=boss.pk).update(language="de")
        boss.refresh_from_db()
    browser = Client(HTTP_HOST=host_of(school))
    with tenant_context(school):
        browser.force_login(boss)

    # when
    page = browser.get("/staff/api-keys/").content.decode()
    made = browser.post("/staff/api-keys/", {"name": "SIS", "scopes": ["school:write"]})

    # then
    assert 'value="school:read"' in page
    assert 'value="school:write"' in page
    assert 'value="stays:read"' not in page  # another vertical's
    assert "Noten vergeben" in page  # "Give grades, …", in the owner's German
    assert made.status_code == 200
    with tenant_context(school):
        assert boss.api_keys.get(name="SIS").scopes == ["school:write"]


def test_the_schema_says_which_scope_each_vertical_operation_needs(school):
    # given
    browser = Client(HTTP_HOST=host_of(school))

    # when
    paths = browser.get("/api/schema/", {"format": "json"}).json()["paths"]

    # then
    listing = paths["/api/v1/staff/classes/"]["get"]
    grades = paths["/api/v1/staff/classes/{id}/grades/"]["post"]
    attendance = paths["/api/v1/staff/classes/{id}/attendance/"]["post"]  # its own description
    children = paths["/api/v1/children/"]["get"]
    assert listing["x-api-key-scope"] == "school:read"
    assert "`school:read`" in listing["description"]
    assert grades["x-api-key-scope"] == "school:write"
    assert attendance["description"].endswith("API keys need the scope `school:write`.")
    assert attendance["responses"]["200"]["content"]["application/json"]["schema"]["type"] == (
        "array"
    )  # the day's marks, not a page of them
    assert "x-api-key-scope" not in children
    assert "Not open to API keys" in children["description"]
