import json
from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.orders.models import Order
from cabinet.wallet.services import wallet_top_up
from tests.factories import UserFactory


@pytest.fixture
def api(hotel):
    with tenant_context(hotel):
        user = UserFactory()
        wallet_top_up(client=ClientProfile.objects.create(user=user), amount=Decimal("50"))
    client = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        client.force_login(user)
    return client


def post(client: Client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_catalog_order_and_wallet_through_the_api(hotel, api):
    items = api.get("/api/v1/catalog/").json()
    champagne = next(i for i in items if i["name"] == "Bottle of champagne")
    assert any(i["is_free"] for i in items)
    created = post(
        api,
        "/api/v1/orders/",
        {"items": [{"item": champagne["id"], "quantity": 1}], "payment": "balance"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["total"] == "45.00"
    assert api.get("/api/v1/wallet/").json()["balance"] == "5.00"
    assert api.get(f"/api/v1/orders/{created.json()['id']}/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"items": [], "payment": "balance"},
        {"items": [{"item": 1, "quantity": 0}], "payment": "balance"},
        {"items": [{"item": 1, "quantity": 51}], "payment": "balance"},
        {"items": [{"item": -5, "quantity": 1}], "payment": "balance"},
        {"items": [{"item": 1, "quantity": 1}], "payment": "gold"},
        {"items": "lots", "payment": "balance"},
        {"items": [{"item": "1", "quantity": 1}], "payment": "balance"},  # a string, not an id
        {"items": [{"item": 1, "quantity": True}], "payment": "balance"},
        {"items": [{"item": 1, "quantity": 1}], "payment": "balance", "note": 12},
        {"items": [{"item": 1, "quantity": 1}] * 21, "payment": "balance"},
        [1, 2, 3],
    ],
)
def test_bad_orders_are_400_and_take_nothing(hotel, api, body):
    assert post(api, "/api/v1/orders/", body).status_code == 400
    assert api.get("/api/v1/wallet/").json()["balance"] == "50.00"
    with tenant_context(hotel):
        assert not Order.objects.exists()


def test_a_well_formed_order_the_cabinet_cannot_take_is_a_409_with_the_reason(hotel, api):
    response = post(api, "/api/v1/orders/", {"items": [{"item": 999999, "quantity": 1}],
                                             "payment": "balance"})  # fmt: skip
    assert response.status_code == 409
    assert response.json()["detail"]
    with tenant_context(hotel):
        assert not Order.objects.exists()


def test_the_api_takes_json_only(api):
    form = api.post("/api/v1/orders/", {"payment": "balance"})  # multipart, as a browser posts
    assert form.status_code == 415
    assert "detail" in form.json()


def test_a_path_that_names_no_endpoint_is_a_json_404(api):
    response = api.get("/api/v1/events/abc/bookings/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_booking_through_the_api(hotel, api):
    import datetime as dt

    from django.utils import timezone

    from cabinet.bookings.models import Event

    with tenant_context(hotel):  # a free event books at once (a paid one goes to its checkout)
        start = timezone.now() + dt.timedelta(days=4)
        Event.objects.create(title="Free garden tour", starts_at=start,
                             ends_at=start + dt.timedelta(hours=1), capacity=10)  # fmt: skip
    events = api.get("/api/v1/events/").json()
    event = next(e for e in events if e["title"] == "Free garden tour")
    assert post(api, f"/api/v1/events/{event['id']}/bookings/", {"seats": 2}).status_code == 201
    assert post(api, f"/api/v1/events/{event['id']}/bookings/", {"seats": 1}).status_code == 409
    assert post(api, "/api/v1/events/999999/bookings/", {}).status_code == 404


def test_staff_and_strangers_are_kept_out_and_orders_are_private(hotel, api):
    champagne_id = api.get("/api/v1/catalog/").json()[0]["id"]
    order_id = post(
        api,
        "/api/v1/orders/",
        {"items": [{"item": champagne_id, "quantity": 1}], "payment": "on_site"},
    ).json()["id"]
    other = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        other.force_login(UserFactory())
    assert other.get(f"/api/v1/orders/{order_id}/").status_code == 404
    staff = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        staff.force_login(UserFactory(is_staff=True))
    assert staff.get("/api/v1/orders/").status_code == 403
    assert Client(HTTP_HOST="hotel.localhost").get("/api/v1/orders/").status_code in (401, 403)
    assert Client(HTTP_HOST="shop.localhost").get(f"/api/v1/orders/{order_id}/").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize(
    "query", ["when=", "when=someday", "status=lost", "when=past&when=upcoming"]
)
def test_booking_filters_that_mean_nothing_are_400(api, query):
    response = api.get(f"/api/v1/bookings/?{query}")
    assert response.status_code == 400
    assert response.json()
