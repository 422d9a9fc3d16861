"""API keys for integrations: made by the owner with scopes, shown once, stored hashed,
revocable, with a last-used time; a key reaches only what its scopes allow, only in its own
cabinet, and is rate-limited at its plan's rate."""

import re
import uuid

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.orders.models import Order
from rbac.api_keys import api_key_create
from rbac.models import ApiKey, AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def owner(tenant) -> User:
    return User.objects.get(email=f"owner@{tenant.slug}.example.com")


def api(tenant, key: str | None = None) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    return Client(HTTP_HOST=f"{tenant.slug}.localhost", **headers)


@pytest.fixture
def with_data(hotel):
    with tenant_context(hotel):
        client = ClientProfile.objects.create(user=UserFactory(full_name="Nina Guest"))
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(
            client=client, wanted={item.pk: 1}, payment="on_site", submission_key=uuid.uuid4().hex
        )
    return client, order


def make_key(tenant, *scopes: str) -> tuple[ApiKey, str]:
    with tenant_context(tenant):
        return api_key_create(name="PMS", scopes=list(scopes), by=owner(tenant))


def test_the_owner_makes_a_key_that_is_shown_once_and_stored_hashed(hotel):
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(owner(hotel))

    made = desk.post("/staff/api-keys/", {"name": "Opera PMS", "scopes": ["clients:read"]})
    text = re.search(r"kab_[0-9a-f]{8}_[\w-]{20,}", made.content.decode()).group(0)
    listing = desk.get("/staff/api-keys/").content.decode()

    assert made["Cache-Control"] == "no-store"
    assert text not in listing
    assert text.split("_")[1] in listing  # the prefix is how the owner tells keys apart
    with tenant_context(hotel):
        key = ApiKey.objects.get(name="Opera PMS")
        assert text.split("_", 2)[2] not in key.secret_hash
        assert AuditEntry.objects.filter(action="api_key.created").exists()
    assert api(hotel, text).get("/api/v1/staff/clients/").status_code == 200
    with tenant_context(hotel):
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    desk.post(f"/staff/api-keys/{key.pk}/revoke/")
    revoked = api(hotel, text).get("/api/v1/staff/clients/")
    assert revoked.status_code == 401
    assert revoked["WWW-Authenticate"] in ("Token", "Api-Key")


def test_a_key_reaches_only_what_its_scopes_allow(hotel, with_data):
    _client, order = with_data
    _key, text = make_key(hotel, "orders:read")
    integration = api(hotel, text)

    orders = integration.get("/api/v1/staff/orders/")
    clients = integration.get("/api/v1/staff/clients/")
    move = integration.post(
        f"/api/v1/staff/orders/{order.pk}/status/",
        {"status": "accepted"},
        content_type="application/json",
    )
    me = integration.get("/api/v1/me/")

    assert orders.status_code == 200
    assert [row["id"] for row in orders.json()["results"]] == [order.pk]
    assert clients.status_code == 403
    assert "clients:read" in clients.json()["detail"]
    assert move.status_code == 403
    assert me.status_code == 403  # an endpoint that names no scope is closed to keys
    assert "not open to API keys" in me.json()["detail"]


def test_a_key_with_write_scope_moves_an_order_and_bad_moves_are_refused(hotel, with_data):
    _client, order = with_data
    _key, text = make_key(hotel, "orders:read", "orders:write")
    integration = api(hotel, text)
    url = f"/api/v1/staff/orders/{order.pk}/status/"

    accepted = integration.post(url, {"status": "accepted"}, content_type="application/json")
    backwards = integration.post(url, {"status": "new"}, content_type="application/json")
    nonsense = integration.post(url, {"status": "teleported"}, content_type="application/json")
    missing = integration.post(
        "/api/v1/staff/orders/999999/status/", {"status": "done"}, content_type="application/json"
    )

    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert backwards.status_code == 409  # well-formed, but not a move this order can make
    assert nonsense.status_code == 400
    assert missing.status_code == 404
    with tenant_context(hotel):
        assert Order.objects.get(pk=order.pk).status == "accepted"


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key",
        "Api-Key kab_",
        "Api-Key kab_deadbeef_wrong-secret",
        "Api-Key a b c",
        "Api-Key " + "x" * 500,
        "Api-Key kab__",
    ],
)
def test_malformed_or_wrong_keys_are_a_401(hotel, header):
    response = Client(HTTP_HOST="hotel.localhost", HTTP_AUTHORIZATION=header).get(
        "/api/v1/staff/clients/"
    )
    assert response.status_code == 401


def test_a_key_of_one_cabinet_is_nothing_in_another(hotel, shop):
    _key, text = make_key(hotel, "clients:read", "orders:read")

    assert api(shop, text).get("/api/v1/staff/clients/").status_code == 401
    assert api(shop, text).get("/api/v1/staff/orders/").status_code == 401


def test_only_the_owner_makes_or_revokes_keys(hotel):
    key, _text = make_key(hotel, "clients:read")
    with tenant_context(hotel):
        admin = UserFactory(is_staff=True)
        role_set(user=admin, role=StaffProfile.Role.ADMIN)
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(admin)

    assert desk.get("/staff/api-keys/").status_code == 403
    assert desk.post(f"/staff/api-keys/{key.pk}/revoke/").status_code == 403
    with tenant_context(hotel):
        assert ApiKey.objects.get(pk=key.pk).is_active


def test_keys_are_rate_limited_at_their_plans_rate(hotel, settings):
    settings.API_KEY_RATES = {
        **settings.API_KEY_RATES,
        "free": "3/min",
        "business": "3/min",
        "start": "3/min",
    }
    settings.API_KEY_RATE_DEFAULT = "3/min"
    _key, text = make_key(hotel, "clients:read")
    integration = api(hotel, text)

    answers = [integration.get("/api/v1/staff/clients/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scopes": ["clients:read"]},
        {"name": "X", "scopes": []},
        {"name": "X", "scopes": ["everything:write"]},
    ],
)
def test_bad_key_forms_are_refused(hotel, data):
    desk = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        desk.force_login(owner(hotel))

    assert desk.post("/staff/api-keys/", data).status_code == 400
    with tenant_context(hotel):
        assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=ten", "offset=-1", "offset=1e3", "limit=5&limit=6", "status="],
)
def test_paging_and_filters_outside_the_schema_are_400_not_a_guess(hotel, with_data, query):
    _key, text = make_key(hotel, "orders:read")
    response = api(hotel, text).get(f"/api/v1/staff/orders/?{query}")
    assert response.status_code == 400
    assert response.json()


def test_paging_walks_the_orders(hotel, with_data):
    _key, text = make_key(hotel, "orders:read")
    page = api(hotel, text).get("/api/v1/staff/orders/?limit=1&offset=0").json()
    assert page["count"] >= 1
    assert len(page["results"]) == 1


def test_a_search_longer_than_the_schema_allows_is_a_400(hotel, with_data):
    _key, text = make_key(hotel, "clients:read")
    assert api(hotel, text).get("/api/v1/staff/clients/", {"q": "x" * 101}).status_code == 400
    assert api(hotel, text).get("/api/v1/staff/clients/", {"q": "Nina"}).status_code == 200
