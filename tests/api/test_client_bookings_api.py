"""The API does what the pages do: bookings with their rules and vouchers, documents by signed
link, card top-ups, catalog pictures and opening hours — for the client only."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from billing import payments
from cabinet.accounts.models import ClientProfile
from cabinet.bookings.models import Event
from cabinet.bookings.services import booking_create
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.documents.services import order_document_build, voucher_build
from tests.factories import UserFactory


def api_for(tenant, user, host: str = "hotel.localhost") -> APIClient:
    client = APIClient(HTTP_HOST=host)
    with tenant_context(tenant):
        client.force_authenticate(user)
    return client


def an_event(hours_ahead: float = 72, **fields) -> Event:
    start = timezone.now() + dt.timedelta(hours=hours_ahead)
    return Event.objects.create(title="Boat trip", starts_at=start,
                                ends_at=start + dt.timedelta(hours=2), **fields)  # fmt: skip


@pytest.fixture
def guest(hotel):
    with tenant_context(hotel):
        return ClientProfile.objects.create(user=UserFactory())


def test_bookings_with_rules_and_the_voucher_by_signed_link(hotel, guest):
    with tenant_context(hotel):
        booking = booking_create(event=an_event(cancel_window_minutes=60), client=guest)
        voucher_build(booking_id=booking.pk)
    api = api_for(hotel, guest.user)
    (listed,) = api.get("/api/v1/bookings/?when=upcoming").json()
    assert listed["event"]["cancel_window_minutes"] == 60
    detail = api.get(f"/api/v1/bookings/{booking.pk}/").json()
    assert detail["voucher"]["kind"] == "voucher"
    pdf = api.get(detail["voucher"]["url"])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert api.post(f"/api/v1/bookings/{booking.pk}/cancel/").json()["status"] == "cancelled"
    assert api.get("/api/v1/bookings/?status=confirmed").json() == []


def test_another_clients_booking_and_document_are_404(hotel, shop, guest):
    with tenant_context(hotel):
        booking = booking_create(event=an_event(), client=guest)
        voucher_build(booking_id=booking.pk)
        other = UserFactory()
        item = CatalogItem.objects.get(name="Bottle of champagne")
        order = order_place(client=guest, wanted={item.pk: 1}, payment="on_site",
                            submission_key="api-doc")  # fmt: skip
        order_document_build(order_id=order.pk)
    mine = api_for(hotel, guest.user)
    url = mine.get(f"/api/v1/bookings/{booking.pk}/").json()["voucher"]["url"]
    invoice = mine.get(f"/api/v1/orders/{order.pk}/").json()["document"]
    assert invoice["kind"] == "invoice"
    snoop = api_for(hotel, other)
    assert snoop.get(f"/api/v1/bookings/{booking.pk}/").status_code == 404
    assert snoop.post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
    assert snoop.get(url).status_code == 404
    assert snoop.get(invoice["url"]).status_code == 404
    with tenant_context(shop):
        stranger = UserFactory()
    elsewhere = api_for(shop, stranger, host="shop.localhost")
    assert elsewhere.get(url.replace("hotel.localhost", "shop.localhost")).status_code == 404
    assert elsewhere.get(f"/api/v1/bookings/{booking.pk}/").status_code == 404
    signature_char = url[-2]  # the link's last character before the slash: its signature
    tampered = url[:-2] + ("A" if signature_char != "A" else "B") + "/"
    assert api_for(hotel, guest.user).get(tampered).status_code == 404


def test_the_catalog_says_when_an_item_can_be_ordered(hotel, guest):
    with tenant_context(hotel):
        CatalogItem.objects.filter(name="Bottle of champagne").update(
            available_from=dt.time(18), available_until=dt.time(23)
        )
    items = {i["name"]: i for i in api_for(hotel, guest.user).get("/api/v1/catalog/").json()}
    assert items["Bottle of champagne"]["available_from"] == "18:00:00"
    assert isinstance(items["Bottle of champagne"]["available_now"], bool)
    assert items["Bottle of champagne"]["image"] is None


@pytest.mark.parametrize("amount", ["0", "4.99", "1000.01", "abc", "", "1e9", "NaN", 50, None, [5]])
def test_top_up_refuses_absurd_amounts(hotel, guest, amount):
    response = api_for(hotel, guest.user).post("/api/v1/wallet/top-up/", {"amount": amount})
    assert response.status_code == 400


def test_top_up_without_card_payments_is_a_409(hotel, guest):
    response = api_for(hotel, guest.user).post("/api/v1/wallet/top-up/", {"amount": "50"})
    assert response.status_code == 409


def test_the_schema_states_the_top_up_limits_that_the_server_applies(hotel_client):
    schema = hotel_client.get("/api/schema/", {"format": "json"}).json()
    amount = schema["components"]["schemas"]["TopUpInputRequest"]["properties"]["amount"]
    pattern = re.compile(amount["pattern"])
    low, high = payments.TOPUP_MIN, payments.TOPUP_MAX
    for inside in (f"{low}", f"{low:.0f}", "50", "99.9", f"{high:.0f}", f"{high}"):
        assert pattern.search(inside), inside
    for outside in (f"{low - Decimal('0.01')}", f"{high + Decimal('0.01')}", "0", "5.001", ""):
        assert not pattern.search(outside), outside


def test_the_lists_read_their_documents_in_the_same_query_whatever_their_length(
    hotel, guest, django_assert_max_num_queries
):
    api = api_for(hotel, guest.user)
    item_pk = None
    for n in range(4):
        with tenant_context(hotel):
            item_pk = item_pk or CatalogItem.objects.get(name="Bottle of champagne").pk
            order = order_place(client=guest, wanted={item_pk: 1}, payment="on_site",
                                submission_key=f"many-{n}")  # fmt: skip
            order_document_build(order_id=order.pk)
            voucher_build(booking_id=booking_create(event=an_event(), client=guest).pk)
    api.get("/api/v1/orders/")  # warm the session
    with django_assert_max_num_queries(4):
        orders = api.get("/api/v1/orders/").json()
    with django_assert_max_num_queries(4):
        bookings = api.get("/api/v1/bookings/").json()
    assert len(orders) == len(bookings) == 4
    assert all(o["document"]["kind"] for o in orders)
    assert all(b["voucher"]["kind"] == "voucher" for b in bookings)
