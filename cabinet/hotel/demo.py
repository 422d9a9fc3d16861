"""The demo hotel's guests and their stays, so a visitor sees a hotel at work: the demo guest
has a stay in three days (to check in online) and one last season with what they ordered;
other guests are arriving, in the hotel and gone."""

import datetime
import uuid

from django.utils import timezone

from cabinet.hotel.models import Room, Stay
from cabinet.hotel.services import stay_create
from cabinet.models import CatalogItem, ClientProfile, Order
from cabinet.orders import order_place
from rbac.models import User
from rbac.services import client_create

OTHER_GUESTS = [
    # name, email, arrival offset, nights, status, room
    ("Peter Novak", "peter@guest.example.com", -2, 5, Stay.Status.IN_HOUSE, "203"),
    ("Maria Lopez", "maria@guest.example.com", 1, 4, Stay.Status.CHECKED_IN_ONLINE, "202"),
    ("Tom Becker", "tom@guest.example.com", -40, 7, Stay.Status.DEPARTED, "301"),
    ("Lena Weiss", "lena@guest.example.com", 6, 3, Stay.Status.BOOKED, ""),
]


def _items(*names: str) -> dict[int, int]:
    return {item.pk: 1 for item in CatalogItem.objects.filter(name__in=names)}


def _past_order(client: ClientProfile, when: datetime.datetime, *names: str) -> None:
    order = order_place(
        client=client, wanted=_items(*names), payment=Order.Payment.ON_SITE,
        submission_key=uuid.uuid4().hex,
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(created_at=when, status=Order.Status.DONE)


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
    _past_order(guest, evening, "Bottle of champagne", "Massage, 60 minutes")

    for name, email, offset, nights, status, room in OTHER_GUESTS:
        user = client_create(email=email, password=password, full_name=name,
                             email_verified=True)  # fmt: skip
        profile = ClientProfile.objects.create(user=user)
        arrival = today + datetime.timedelta(days=offset)
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
            _past_order(profile, when, "Massage, 60 minutes")
