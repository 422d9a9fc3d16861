"""The shop on the API: a customer's parcels and returns (asked for as on the returns page),
the back office's shipments and returns, scoped as its pages are."""

import json
import uuid
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.orders.models import Order, OrderItem
from cabinet.shop.models import ReturnRequest, Shipment
from cabinet.shop.services import shipment_update
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.conftest import host_of
from tests.factories import UserFactory


def as_(tenant, user) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def post(browser: Client, url: str, body: object):
    return browser.post(url, json.dumps(body), content_type="application/json")


def delivered_order(client: ClientProfile) -> tuple[Order, OrderItem, Shipment]:
    """An order placed as the shop's pages place it (its parcel opened), then delivered."""
    notebook = CatalogItem.objects.get(name="Notebook, A5")
    order = order_place(client=client, wanted={notebook.pk: 2}, payment="on_site",
                        submission_key=uuid.uuid4().hex)  # fmt: skip
    owner = User.objects.get(is_superuser=True, is_staff=True)
    shipment = shipment_update(shipment=order.shipment, status="delivered", carrier="City Post",
                               tracking_number="CP123456GB", by=owner)  # fmt: skip
    return order, order.items.get(), shipment


def customer(email: str) -> ClientProfile:
    return ClientProfile.objects.create(user=UserFactory(email=email))


def test_a_customer_sees_their_parcels_and_asks_for_a_return(shop):
    with tenant_context(shop):
        mia, noah = customer("mia@shop.example.com"), customer("noah@shop.example.com")
        order, line, shipment = delivered_order(mia)
        other_order, _line, other_shipment = delivered_order(noah)
    api = as_(shop, mia.user)
    assert [s["id"] for s in api.get("/api/v1/shipments/").json()] == [shipment.pk]
    assert api.get(f"/api/v1/shipments/{other_shipment.pk}/").status_code == 404
    body = {"order": order.pk, "lines": [{"item": line.pk, "quantity": 1}], "reason": "damaged"}
    made = post(api, "/api/v1/returns/", body)
    assert made.status_code == 201, made.content
    assert made.json()["amount"] == "9.50"
    # more than was received is refused as the page refuses it
    too_many = {**body, "lines": [{"item": line.pk, "quantity": 2}]}
    assert post(api, "/api/v1/returns/", too_many).status_code == 409
    # another's order is not found
    assert post(api, "/api/v1/returns/", {**body, "order": other_order.pk}).status_code == 404
    assert post(api, "/api/v1/returns/", {**body, "reason": "whim"}).status_code == 400
    assert [r["id"] for r in api.get("/api/v1/returns/").json()] == [made.json()["id"]]


def test_staff_decide_returns_and_move_parcels_as_their_role_sees(shop):
    with tenant_context(shop):
        mia = customer("mia@shop.example.com")
        order, _line, shipment = delivered_order(mia)
        ret = ReturnRequest.objects.create(order=order, client=mia, reason="damaged",
                                           amount=Decimal("10"))  # fmt: skip
        admin = UserFactory(email="admin@shop.example.com", is_staff=True)
        role_set(user=admin, role=StaffProfile.Role.ADMIN)
        viewer = UserFactory(email="viewer@shop.example.com", is_staff=True)
        role_set(user=viewer, role=StaffProfile.Role.VIEWER)
    desk = as_(shop, admin)
    assert ret.pk in [r["id"] for r in desk.get("/api/v1/staff/returns/").json()["results"]]
    url = f"/api/v1/staff/returns/{ret.pk}/decision/"
    assert post(as_(shop, viewer), url, {"to": "approved"}).status_code == 404
    assert post(desk, url, {"to": "refunded"}).status_code == 409
    assert post(desk, url, {"to": "approved"}).json()["status"] == "approved"
    moved = post(desk, f"/api/v1/staff/shipments/{shipment.pk}/status/", {"status": "shipped"})
    assert moved.status_code == 409  # a parcel only moves forward
    assert desk.get("/api/v1/staff/shipments/abc/status/").status_code in (404, 405)
    assert as_(shop, mia.user).get("/api/v1/staff/shipments/").status_code == 403


def test_the_staff_shipment_list_reads_a_fixed_number_of_queries(shop):
    with tenant_context(shop):
        admin = UserFactory(email="admin@shop.example.com", is_staff=True)
        role_set(user=admin, role=StaffProfile.Role.ADMIN)
        delivered_order(customer("a@shop.example.com"))
    desk = as_(shop, admin)
    desk.get("/api/v1/staff/shipments/")
    with CaptureQueriesContext(connection) as one:
        desk.get("/api/v1/staff/shipments/")
    with tenant_context(shop):
        for n in range(3):
            delivered_order(customer(f"b{n}@shop.example.com"))
    with CaptureQueriesContext(connection) as four:
        desk.get("/api/v1/staff/shipments/")
    skip = "SET search_path"
    assert len([q for q in four.captured_queries if not q["sql"].startswith(skip)]) == len(
        [q for q in one.captured_queries if not q["sql"].startswith(skip)]
    )
