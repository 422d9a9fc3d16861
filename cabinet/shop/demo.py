"""The demo shop's customers: the demo reader has a delivered order (to return), one on its way
with a tracking number and one being packed, and two addresses; other customers have history."""

import datetime
import uuid
from decimal import Decimal

from django.utils import timezone

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.demo.seed import DemoTenant, replayed_at
from cabinet.memberships.models import MembershipPlan
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from cabinet.shop import demo_pictures
from cabinet.shop.models import Shipment, ShipmentEvent
from cabinet.shop.services import address_save
from rbac.models import User
from rbac.services import client_create

OTHER_CUSTOMERS = [
    ("Irina Sokolova", "irina@reader.example.com"),
    ("James Miller", "james@reader.example.com"),
    ("Olga Petrova", "olga@reader.example.com"),
]


def _order(client: ClientProfile, days_ago: int, names: dict[str, int]) -> Order:
    """Placed through the cabinet's own service, at the moment it was placed."""
    wanted = {item.pk: names[item.name] for item in CatalogItem.objects.filter(name__in=names)}
    when = timezone.now() - datetime.timedelta(days=days_ago)
    with replayed_at(when):
        return order_place(client=client, wanted=wanted, payment=Order.Payment.ON_SITE,
                           submission_key=uuid.uuid4().hex)  # fmt: skip


def _travel(order: Order, status: str, *, tracking: str, days_ago: int, by: User) -> None:
    """Confirmed by the shop half an hour after it was placed (through the service, which
    closes its work item), then the parcel's journey."""
    with replayed_at(order.created_at + datetime.timedelta(minutes=30)):
        order_set_status(order=order, to=Order.Status.ACCEPTED, by=by, notify_client=False)
    shipment = order.shipment
    at = timezone.now() - datetime.timedelta(days=days_ago)
    for step in Shipment.Status.values[1 : Shipment.Status.values.index(status) + 1]:
        ShipmentEvent.objects.create(shipment=shipment, status=step, at=at)
    Shipment.objects.filter(pk=shipment.pk).update(
        status=status, carrier="City Post", tracking_number=tracking, updated_at=at,
        delivered_at=at if status == Shipment.Status.DELIVERED else None,
    )  # fmt: skip
    done = status == Shipment.Status.DELIVERED
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.DONE if done else Order.Status.IN_PROGRESS
    )


def seed_demo(*, guest: ClientProfile, owner: User, password: str) -> None:
    home = {"label": "Home", "recipient": guest.user.get_full_name(), "line1": "12 Elm Street",
            "city": "Riverton", "postcode": "RV1 2AB", "country": "United Kingdom",
            "is_default": True}  # fmt: skip
    address_save(client=guest, data=home)
    address_save(client=guest, data={**home, "label": "Office", "line1": "4 Market Square",
                                     "is_default": False})  # fmt: skip
    delivered = _order(guest, 6, {"The Night Circus": 1, "Bookmark, leather": 2})
    _travel(delivered, Shipment.Status.DELIVERED, tracking="CP20485517GB", days_ago=4, by=owner)
    on_the_way = _order(guest, 2, {"Bestseller of the month": 1, "Gift wrapping": 1})
    _travel(on_the_way, Shipment.Status.IN_TRANSIT, tracking="CP20499301GB", days_ago=1, by=owner)
    _order(guest, 0, {"Reading lamp": 1})

    for name, email in OTHER_CUSTOMERS:
        user = client_create(email=email, password=password, full_name=name,
                             email_verified=True)  # fmt: skip
        profile = ClientProfile.objects.create(user=user)
        address_save(client=profile, data={**home, "recipient": name, "line1": "1 High Street"})
        past = _order(profile, 20, {"Gift card": 1, "Notebook, A5": 2})
        _travel(past, Shipment.Status.DELIVERED, tracking=f"CP{uuid.uuid4().int % 10**8:08d}GB",
                days_ago=17, by=owner)  # fmt: skip
        _order(profile, 1, {"The Night Circus": 1})


# The demo cabinet `make run` seeds (cabinet.demo.seed).
DEMO = DemoTenant(
        slug="shop", name="Corner Bookshop", vertical="shop",
        tagline="Orders, returns and points in one place.",
        welcome="Track your orders, reorder in one tap and spend your loyalty points.",
        owner_email="owner@shop.example.com", client_email="reader@shop.example.com",
        client_name="Boris Reader",
        look={"primary_colour": "#7b2d42", "accent_colour": "#d9a441", "font": "modern"},
        questions=(
            ("When will my order arrive?", "It left today; the tracking number is on the order."),
            ("Can you gift-wrap a book?", "Yes: add gift wrapping to the order."),
            ("Do you have the sequel in stock?", "Two copies; shall we keep one for you?"),
            ("Can I change the delivery address?", "Done: it goes to your office now."),
        ),
        plan=("Readers' club",
              "A new book picked for you every month, and 10 % off in store.",
              Decimal("9.00"), MembershipPlan.Interval.MONTH),
        motif=demo_pictures.shelves, emblem=demo_pictures.emblem,
    )  # fmt: skip
