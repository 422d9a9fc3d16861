"""A new hotel's starter content: a few rooms and the resort map's points, for the owner to
edit. Runs in the hotel template schema (cabinet.starter.seed_vertical)."""

from decimal import Decimal

from cabinet.hotel.models import MapPoint, Room

ROOMS = [
    ("101", "Double, garden view"), ("102", "Double, garden view"), ("103", "Twin"),
    ("201", "Double, sea view"), ("202", "Double, sea view"), ("203", "Family suite"),
    ("301", "Junior suite, sea view"), ("302", "Junior suite, sea view"),
]  # fmt: skip

POINTS = [
    ("Reception", MapPoint.Kind.RECEPTION, "Open around the clock. Keys, taxis, excursions.",
     "51", "30"),
    ("Restaurant “Terrace”", MapPoint.Kind.FOOD, "Breakfast, lunch and dinner; sea view.",
     "60", "44"),
    ("Pool", MapPoint.Kind.POOL, "Heated, 8:00–20:00. Towels at the pool bar.", "32", "62"),
    ("Beach", MapPoint.Kind.POOL, "Sun loungers free for guests; lifeguard 9:00–18:00.",
     "45", "78"),
    ("Spa", MapPoint.Kind.SPA, "Sauna, steam bath and massages: book at reception.", "77", "38"),
    ("Tennis courts", MapPoint.Kind.SPA, "Rackets and balls at reception.", "82", "58"),
    ("Parking", MapPoint.Kind.TRANSPORT, "Guests' car park; EV chargers.", "8", "14"),
    ("Old lighthouse", MapPoint.Kind.SIGHT, "20 minutes' walk along the coast path.", "94", "70"),
]  # fmt: skip


def seed() -> None:
    Room.objects.bulk_create(Room(number=number, kind=kind) for number, kind in ROOMS)
    MapPoint.objects.bulk_create(
        MapPoint(name=name, kind=kind, description=text, x=Decimal(x), y=Decimal(y),
                 position=position)
        for position, (name, kind, text, x, y) in enumerate(POINTS)
    )  # fmt: skip
