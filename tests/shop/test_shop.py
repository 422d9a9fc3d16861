"""The shop vertical: every order travels (a shipment at the customer's default address, moved
by staff with a tracking number), customers return items themselves within 30 days of delivery
and are refunded to store credit once, and keep an address book. A customer sees only their own,
staff only their customers', and no other cabinet sees any of it."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context
from guardian.shortcuts import assign_perm

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.notifications.models import Notification
from cabinet.orders.models import Order
from cabinet.shop.models import Address, ReturnRequest, Shipment
from cabinet.shop.services import address_save, shipment_update
from cabinet.wallet.services import wallet_for
from rbac.models import StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory

HOME = {
    "label": "Home",
    "recipient": "Boris Reader",
    "line1": "12 Elm Street",
    "city": "Riverton",
    "postcode": "RV1 2AB",
    "country": "United Kingdom",
}


def as_(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def customer(email: str = "boris@reader.example.com", name: str = "Boris Reader") -> ClientProfile:
    return ClientProfile.objects.create(user=UserFactory(email=email, full_name=name))


def ordered(client: ClientProfile, **names: int) -> Order:
    wanted = {
        i.pk: names[i.name.replace(" ", "_")]
        for i in CatalogItem.objects.all()
        if i.name.replace(" ", "_") in names
    }
    return order_place(
        client=client, wanted=wanted, payment="on_site", submission_key=uuid.uuid4().hex
    )


def owner_of(tenant) -> User:
    return User.objects.get(email=f"owner@{tenant.slug}.example.com")


@pytest.fixture
def boris(shop) -> ClientProfile:
    with tenant_context(shop):
        profile = customer()
        address_save(client=profile, data=HOME)
    return profile


def delivered(shop, client: ClientProfile, days_ago: int = 2) -> Order:
    with tenant_context(shop):
        order = ordered(client, Gift_card=1, **{"Notebook,_A5": 2})
        shipment_update(
            shipment=order.shipment,
            status="delivered",
            carrier="City Post",
            tracking_number="CP123456GB",
            by=owner_of(shop),
        )
        Shipment.objects.filter(order=order).update(
            delivered_at=timezone.now() - dt.timedelta(days=days_ago)
        )
    return order


def test_a_shop_order_travels_to_the_default_address_and_a_hotel_order_does_not(shop, hotel, boris):
    with tenant_context(shop):
        order = ordered(boris, Gift_card=1)
        assert order.shipment.status == Shipment.Status.PREPARING
        assert "12 Elm Street, RV1 2AB Riverton" in order.shipment.address_text
    with tenant_context(hotel):
        guest = customer("anna@guest.example.com")
        hotel_order = ordered(guest, Bottle_of_champagne=1)
        assert not Shipment.objects.filter(order=hotel_order).exists()


def test_staff_move_the_parcel_and_the_customer_follows_it(shop, boris):
    with tenant_context(shop):
        order = ordered(boris, Gift_card=1)
        shipment = order.shipment
    desk, browser = as_(shop, owner_of_shop(shop)), as_(shop, boris.user)

    no_tracking = desk.post(f"/staff/shipments/{shipment.pk}/", {"status": "shipped"}, follow=True)
    assert "Give the carrier&#x27;s tracking number." in no_tracking.content.decode()
    hostile = desk.post(
        f"/staff/shipments/{shipment.pk}/",
        {"status": "shipped", "tracking_number": "<script>"},
        follow=True,
    )
    assert "4 to 40 letters" in hostile.content.decode()
    desk.post(
        f"/staff/shipments/{shipment.pk}/",
        {"status": "in_transit", "carrier": "City Post", "tracking_number": "CP20499301GB"},
    )
    backwards = desk.post(f"/staff/shipments/{shipment.pk}/", {"status": "preparing"}, follow=True)
    assert "A parcel only moves forward." in backwards.content.decode()

    page = browser.get(f"/orders/{order.pk}/").content.decode()
    assert "On the way" in page
    assert "CP20499301GB" in page
    assert "order-cancel" not in page
    assert f"/orders/{order.pk}/cancel/" not in page
    with tenant_context(shop):
        order.refresh_from_db()
        assert order.status == Order.Status.IN_PROGRESS  # the order follows its parcel
        # one message per step, with the tracking number: not one for the order as well
        assert not Notification.objects.filter(user=boris.user, title__contains="In progress")
    with tenant_context(shop):
        assert Notification.objects.filter(user=boris.user, title__contains="On the way").exists()


def owner_of_shop(shop) -> User:
    with tenant_context(shop):
        return owner_of(shop)


def test_a_customer_returns_an_item_and_is_refunded_to_store_credit_once(shop, boris):
    order = delivered(shop, boris)
    with tenant_context(shop):
        notebook = order.items.get(name="Notebook, A5")
        before = wallet_for(boris).balance
    browser = as_(shop, boris.user)
    assert "Return items" in browser.get(f"/orders/{order.pk}/").content.decode()

    too_many = browser.post(
        f"/returns/new/{order.pk}/", {f"qty-{notebook.pk}": "3", "reason": "damaged"}
    )
    assert too_many.status_code == 400
    assert "You can return at most what you received." in too_many.content.decode()
    sent = browser.post(
        f"/returns/new/{order.pk}/",
        {f"qty-{notebook.pk}": "1", "reason": "damaged", "comment": "Torn cover"},
    )
    assert sent.status_code == 302
    with tenant_context(shop):
        request = ReturnRequest.objects.get(order=order)
        assert request.amount == Decimal("9.50")
    desk = as_(shop, owner_of_shop(shop))
    desk.post(f"/staff/returns/{request.pk}/", {"to": "approved"})
    desk.post(f"/staff/returns/{request.pk}/", {"to": "refunded", "note": "Sorry!"})
    again = desk.post(f"/staff/returns/{request.pk}/", {"to": "refunded"}, follow=True)

    assert "This return cannot change that way." in again.content.decode()
    with tenant_context(shop):
        assert wallet_for(boris).balance == before + Decimal("9.50")
    page = browser.get("/returns/").content.decode()
    assert "Refunded" in page
    assert "Sorry!" in page
    # one notebook is still returnable, the other is on its way back
    second = browser.post(
        f"/returns/new/{order.pk}/", {f"qty-{notebook.pk}": "2", "reason": "changed"}
    )
    assert second.status_code == 400


@pytest.mark.parametrize(
    ("setup", "message"),
    [("late", "can no longer be returned"), ("undelivered", "cannot be returned")],
)
def test_returns_close_30_days_after_delivery_and_open_only_on_delivery(
    shop, boris, setup, message
):
    if setup == "late":
        order = delivered(shop, boris, days_ago=31)
    else:
        with tenant_context(shop):
            order = ordered(boris, Gift_card=1)
    with tenant_context(shop):
        line = order.items.first()
    browser = as_(shop, boris.user)

    page = browser.get(f"/returns/new/{order.pk}/").content.decode()
    posted = browser.post(f"/returns/new/{order.pk}/", {f"qty-{line.pk}": "1", "reason": "other"})

    assert "cannot be returned" in page
    assert posted.status_code == 400
    assert message in posted.content.decode() or "cannot be returned" in posted.content.decode()
    with tenant_context(shop):
        assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "nonsense"},
        {"reason": "other", "comment": "<img src=x onerror=alert(1)>"},
        {"reason": "other", "qty-abc": "1"},
        {"reason": "other", "qty-1": "-1"},
    ],
)
def test_hostile_return_forms_are_refused(shop, boris, data):
    order = delivered(shop, boris)

    response = as_(shop, boris.user).post(f"/returns/new/{order.pk}/", data)

    assert response.status_code == 400
    with tenant_context(shop):
        assert not ReturnRequest.objects.exists()


def test_the_address_book(shop, boris):
    browser = as_(shop, boris.user)

    added = browser.post(
        "/addresses/", {**HOME, "label": "Office", "line1": "4 Market Square", "is_default": "on"}
    )
    bad = browser.post("/addresses/", {**HOME, "postcode": "<b>"})

    assert added.status_code == 302
    assert bad.status_code == 400
    with tenant_context(shop):
        office = Address.objects.get(label="Office")
        home = Address.objects.get(label="Home")
        assert (office.is_default, home.is_default) == (True, False)
    browser.post(f"/addresses/{office.pk}/remove/")
    with tenant_context(shop):
        assert Address.objects.get(pk=home.pk).is_default  # the default passes on
        order = ordered(boris, Gift_card=1)
        stranger = customer("stranger@reader.example.com")
        theirs = address_save(client=stranger, data={**HOME, "line1": "Elsewhere 1"})
    assert browser.get(f"/addresses/{theirs.pk}/").status_code == 404
    assert (
        browser.post(f"/orders/{order.pk}/deliver-to/", {"address": theirs.pk}).status_code == 404
    )
    assert as_(shop, stranger.user).get(f"/returns/new/{order.pk}/").status_code == 404


def test_staff_see_only_their_customers_parcels_and_returns(shop, boris):
    order = delivered(shop, boris)
    with tenant_context(shop):
        ordered(boris, Gift_card=1)
        mine = customer("mine@reader.example.com", "Mina Mine")
        ordered(mine, Tote_bag=1)
        viewer = UserFactory(is_staff=True)
        role_set(user=viewer, role=StaffProfile.Role.VIEWER)
        assign_perm("cabinet.view_clientprofile", viewer, mine)
        shipment = Shipment.objects.filter(order__client=boris).exclude(order=order).get()
    desk = as_(shop, viewer)

    listing = desk.get("/staff/shipments/").content.decode()

    assert "Mina Mine" in listing
    assert "Boris Reader" not in listing
    assert (
        desk.post(
            f"/staff/shipments/{shipment.pk}/", {"status": "shipped", "tracking_number": "CP1234"}
        ).status_code
        == 404
    )


def test_other_cabinets_have_no_shop_pages(hotel, shop, boris):
    order = delivered(shop, boris)
    with tenant_context(hotel):
        guest = customer("anna@guest.example.com")
    browser = as_(hotel, guest.user)
    for url in ("/returns/", f"/returns/new/{order.pk}/", "/addresses/"):
        assert browser.get(url).status_code == 404, url
    desk = as_(hotel, owner_of_shop(hotel))
    assert desk.get("/staff/shipments/").status_code == 404
    assert desk.get("/staff/returns/").status_code == 404


def test_the_parcel_list_costs_the_same_whatever_its_length(
    shop, boris, django_assert_max_num_queries
):
    desk = as_(shop, owner_of_shop(shop))
    with tenant_context(shop):
        for _n in range(5):
            ordered(boris, Gift_card=1)
    desk.get("/staff/shipments/")

    with django_assert_max_num_queries(5):
        assert desk.get("/staff/shipments/").status_code == 200
