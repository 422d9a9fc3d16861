"""A new hotel's starter content: a few rooms and the resort map's points, for the owner to
edit. Runs in the hotel template schema (cabinet.content.starter.seed_vertical)."""

from decimal import Decimal

from cabinet.bookings.models import Event
from cabinet.catalog.models import PricingUnit
from cabinet.content.models import InfoPage
from cabinet.hotel.models import MapPoint, Room
from cabinet.verticals import StarterContent

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

# The common content a new cabinet of this vertical opens with (cabinet.content.starter).
PAGES = [
        ("welcome", InfoPage.Kind.WELCOME, "Welcome to your stay",
         "We are glad you are here. In this cabinet you can book excursions and events, order "
         "to your room, see what is included in your stay and write to reception at any time."),
        ("wifi", InfoPage.Kind.INFO, "Wi-Fi and reception",
         "Network: Guest. The password is on your key card. Reception is open around the clock."),
        ("meals", InfoPage.Kind.INFO, "Meals and activities",
         "Breakfast 7:00–10:30, lunch 12:30–15:00, dinner 18:30–22:00 in the restaurant "
         "“Terrace”.\nMorning yoga on the beach 8:00, aqua aerobics 11:00, kids' club "
         "10:00–17:00, live music on the terrace from 20:00."),
        ("rules", InfoPage.Kind.INFO, "House rules",
         "Check-in from 14:00, check-out until 12:00 (late check-out on request).\nQuiet "
         "hours 23:00–7:00. Pets are welcome in garden-view rooms. No smoking indoors."),
    ]  # fmt: skip

CATALOG = [
        ("Room service", [
            ("Breakfast in the room", "Continental breakfast served to your room.", "0",
             PricingUnit.PERSON),
            ("Bottle of champagne", "Chilled, with two glasses.", "45.00", PricingUnit.ITEM),
            ("Extra towels", "Delivered within 20 minutes.", "0", PricingUnit.ITEM),
        ]),
        ("Wellness", [
            ("Spa access", "Pool, sauna and steam bath.", "0", PricingUnit.PERSON),
            ("Massage, 60 minutes", "Classic or aromatherapy.", "70.00", PricingUnit.PERSON),
            ("Yoga on the beach", "Every morning at 8:00, mats provided.", "0",
             PricingUnit.PERSON),
        ]),
        ("For your stay", [
            ("Half board", "Dinner every evening of your stay.", "28.00", PricingUnit.PERSON),
            ("Parking", "A place in the guests' car park.", "12.00", PricingUnit.NIGHT),
            ("Baby cot", "Set up in your room before you arrive.", "8.00", PricingUnit.NIGHT),
            ("Pet stay", "Bed and bowls for your dog or cat.", "15.00", PricingUnit.NIGHT),
            ("Late check-out until 16:00", "Subject to availability.", "35.00",
             PricingUnit.ITEM),
            ("Airport transfer", "Meet and greet at arrivals.", "25.00", PricingUnit.PERSON),
        ]),
    ]  # fmt: skip

REQUEST_TYPES = [
        ("Room service", 30, ["Confirm the order with the guest", "Prepare", "Deliver and check"]),
        ("Question", 60, ["Answer", "Offer more help"]),
        ("Complaint", 120, ["Apologise and listen", "Fix or compensate", "Follow up next day"]),
    ]  # fmt: skip

WELCOME_OFFER = ("Welcome drink on us",
                     "Show this offer at the desk or the bar, once, this month.")  # fmt: skip

# Dated starter events, days from provisioning: (kind, title, description, where, day, hour,
# minutes, places, price).
EVENTS = [
        (Event.Kind.EXCURSION, "Old town walking tour",
         "Three hours with a local guide; comfortable shoes recommended.", "Meet at reception",
         3, 9, 180, 15, "25.00"),
        (Event.Kind.EVENT, "Wine tasting on the terrace", "Five local wines with cheeses.",
         "Terrace", 4, 19, 90, 20, "35.00"),
        (Event.Kind.EXCURSION, "Boat trip to the lighthouse", "Two hours along the coast.",
         "Pier", 6, 10, 120, 12, "40.00"),
        (Event.Kind.EVENT, "Kids' treasure hunt", "For ages 5–10, with the kids' club.",
         "Garden", 8, 11, 60, 16, "0"),
        (Event.Kind.EVENT, "Live jazz evening", "The house trio plays; free for guests.",
         "Restaurant “Terrace”", 10, 20, 120, 60, "0"),
        (Event.Kind.EXCURSION, "Old town by night", "The old town's lights and legends.",
         "Meet at reception", 17, 20, 120, 15, "25.00"),
    ]  # fmt: skip


def seed() -> None:
    Room.objects.bulk_create(Room(number=number, kind=kind) for number, kind in ROOMS)
    MapPoint.objects.bulk_create(
        MapPoint(name=name, kind=kind, description=text, x=Decimal(x), y=Decimal(y),
                 position=position)
        for position, (name, kind, text, x, y) in enumerate(POINTS)
    )  # fmt: skip


STARTER = StarterContent(
    pages=PAGES,
    catalog=CATALOG,
    request_types=REQUEST_TYPES,
    welcome_offer=WELCOME_OFFER,
    events=EVENTS,
    seed=seed,
)
