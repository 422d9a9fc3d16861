"""The demo hotel's guests and their stays, so a visitor sees a hotel at work: the demo guest
has a stay in three days (to check in online) and one last season with what they ordered;
other guests are arriving, in the hotel and gone."""

import datetime
import io
import uuid
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.checkout.placing import order_place
from cabinet.demo.seed import DemoTenant, replayed_at
from cabinet.hotel import demo_pictures
from cabinet.hotel.models import Room, Stay
from cabinet.hotel.services import stay_check_in, stay_create
from cabinet.memberships.models import MembershipPlan
from cabinet.orders.models import Order
from cabinet.orders.services import order_set_status
from rbac.models import User
from rbac.services import client_create

OTHER_GUESTS = [
    # name, email, arrival offset, nights, status, room
    ("Peter Novak", "peter@guest.example.com", -2, 5, Stay.Status.IN_HOUSE, "203"),
    ("Maria Lopez", "maria@guest.example.com", 0, 4, Stay.Status.CHECKED_IN_ONLINE, ""),
    ("Tom Becker", "tom@guest.example.com", -40, 7, Stay.Status.DEPARTED, "301"),
    ("Lena Weiss", "lena@guest.example.com", 6, 3, Stay.Status.BOOKED, ""),
]


def _items(*names: str) -> dict[int, int]:
    return {item.pk: 1 for item in CatalogItem.objects.filter(name__in=names)}


def _past_order(client: ClientProfile, when: datetime.datetime, by: User, *names: str) -> None:
    """Ordered then, confirmed by the desk twenty minutes later and delivered within the hour."""
    with replayed_at(when):
        order = order_place(
            client=client, wanted=_items(*names), payment=Order.Payment.ON_SITE,
            submission_key=uuid.uuid4().hex,
        )  # fmt: skip
    for minutes, status in ((20, Order.Status.ACCEPTED), (55, Order.Status.DONE)):
        with replayed_at(when + datetime.timedelta(minutes=minutes)):
            order_set_status(order=order, to=status, by=by, notify_client=False)


def _document_photo() -> SimpleUploadedFile:
    """A blank page standing in for the photo of a passport."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 220), "#f4f1ea").save(buffer, format="PNG")
    return SimpleUploadedFile("passport.png", buffer.getvalue(), content_type="image/png")


def _checked_in_online(profile: ClientProfile, name: str, arrival: datetime.date, nights: int,
                       included: list[CatalogItem], owner: User) -> None:  # fmt: skip
    """Booked by the desk, checked in online by the guest last night: the check-in waits for
    the desk's review in the queue."""
    stay = stay_create(client=profile, arrival=arrival, adults=2, included=included, by=owner,
                       departure=arrival + datetime.timedelta(days=nights))  # fmt: skip
    with replayed_at(timezone.now() - datetime.timedelta(hours=14)):
        stay_check_in(stay=stay, guest_name=name, birth_date=datetime.date(1988, 4, 2),
                      citizenship="Spain", document_number="X1234567",
                      arrival_time=datetime.time(15, 30), upload=_document_photo())  # fmt: skip


def _stay(client: ClientProfile, arrival: datetime.date, nights: int, **fields) -> Stay:
    code = uuid.uuid4().hex[:6].upper()
    return Stay.objects.create(
        client=client, reservation_code=code, arrival=arrival,
        departure=arrival + datetime.timedelta(days=nights), **fields,
    )  # fmt: skip


def seed_demo(*, guest: ClientProfile, owner: User, password: str) -> None:
    today = timezone.localdate()
    included = list(CatalogItem.objects.filter(name__in=("Breakfast in the room", "Spa access")))
    stay_create(
        client=guest, arrival=today + datetime.timedelta(days=3),
        departure=today + datetime.timedelta(days=8), adults=2,
        room_type="Double, sea view", included=included, by=owner,
    )  # fmt: skip
    last_season = today - datetime.timedelta(days=60)
    room = Room.objects.filter(number="201").first()
    past = _stay(guest, last_season, 7, status=Stay.Status.DEPARTED, room=room,
                 room_type="Double, sea view")  # fmt: skip
    past.included.set(included)
    evening = timezone.make_aware(
        datetime.datetime.combine(last_season + datetime.timedelta(days=2), datetime.time(19))
    )
    _past_order(guest, evening, owner, "Bottle of champagne", "Massage, 60 minutes")

    for name, email, offset, nights, status, room in OTHER_GUESTS:
        user = client_create(email=email, password=password, full_name=name,
                             email_verified=True)  # fmt: skip
        profile = ClientProfile.objects.create(user=user)
        arrival = today + datetime.timedelta(days=offset)
        if status == Stay.Status.CHECKED_IN_ONLINE:
            _checked_in_online(profile, name, arrival, nights, included, owner)
            continue
        checked_in = status != Stay.Status.BOOKED
        stay = _stay(
            profile, arrival, nights, status=status, adults=2,
            room=Room.objects.filter(number=room).first() if room else None,
            guest_name=name if checked_in else "",
            arrival_time=datetime.time(15, 30) if checked_in else None,
            checked_in_online_at=timezone.now() if checked_in else None,
        )  # fmt: skip
        stay.included.set(included)
        if status in (Stay.Status.IN_HOUSE, Stay.Status.DEPARTED):
            when = timezone.make_aware(
                datetime.datetime.combine(arrival + datetime.timedelta(days=1),
                                          datetime.time(20))
            )  # fmt: skip
            _past_order(profile, when, owner, "Massage, 60 minutes")


# The demo cabinet `make run` seeds (cabinet.demo.seed).
DEMO = DemoTenant(
        slug="hotel", name="Seaside Resort Hotel", vertical="hotel",
        tagline="Your stay, in your pocket.",
        welcome="Book excursions, order to your room and talk to reception in your language.",
        owner_email="owner@hotel.example.com", client_email="guest@hotel.example.com",
        client_name="Anna Guest",
        look={"primary_colour": "#0e5a5a", "accent_colour": "#e8b04a", "font": "elegant"},
        questions=(
            ("Could I have a late check-out, until 3 pm?", "Yes: the room is yours until 3 pm."),
            ("Is the spa open in the evening?", "Until 9 pm; towels are at the desk."),
            ("Can you book us a taxi to the airport at 6?", "Booked: it waits at the door at 6."),
            ("Could we have an extra pillow?", "On its way to your room."),
        ),
        plan=("Garage parking, monthly",
              "Your own place in the underground garage, any time.",
              Decimal("60.00"), MembershipPlan.Interval.MONTH),
        motif=demo_pictures.seaside, emblem=demo_pictures.emblem,
    )  # fmt: skip
