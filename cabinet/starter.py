"""Starter content a new cabinet opens with, per vertical, for the owner to edit or delete.

Timeless content (pages, catalog) is seeded into each vertical's template schema once, so signup
pays nothing for it; dated content (events) is created at provisioning, relative to that day.
Bump STARTER_CONTENT_VERSION whenever `seed_vertical` changes: templates and spare schemas built
from the old content are then rebuilt and discarded.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cabinet.models import (
    CatalogCategory,
    CatalogItem,
    Event,
    InfoPage,
    Offer,
    PricingUnit,
    RequestType,
    Tier,
)
from tenants.models import Vertical

STARTER_CONTENT_VERSION = "4"

PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    Vertical.HOTEL: [
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
    ],
    Vertical.SHOP: [
        ("welcome", InfoPage.Kind.WELCOME, "Welcome",
         "Track your orders, reorder what you liked in one tap and collect points with every "
         "purchase."),
        ("delivery", InfoPage.Kind.INFO, "Delivery and returns",
         "We deliver in 1–3 working days. You can return an item within 30 days from your "
         "order history."),
    ],
    Vertical.SCHOOL: [
        ("welcome", InfoPage.Kind.WELCOME, "Welcome, families",
         "Here you see the timetable, your child's homework and grades, and can message "
         "teachers."),
        ("rules", InfoPage.Kind.INFO, "School rules",
         "Lessons start on time; please tell us of an absence before the lesson begins."),
    ],
}  # fmt: skip

CATALOG: dict[str, list[tuple[str, list[tuple[str, str, str, str]]]]] = {
    Vertical.HOTEL: [
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
    ],
    Vertical.SHOP: [
        ("Books", [
            ("Bestseller of the month", "Ask us which one it is this month.", "18.90",
             PricingUnit.ITEM),
            ("The Night Circus", "Erin Morgenstern, paperback.", "11.99", PricingUnit.ITEM),
            ("Atlas of Remote Islands", "Judith Schalansky, hardback.", "22.50",
             PricingUnit.ITEM),
            ("Children's picture book box", "Three picture books chosen by our staff.",
             "24.00", PricingUnit.ITEM),
            ("Cookbook of the season", "Recipes for what is on the market now.", "27.00",
             PricingUnit.ITEM),
        ]),
        ("Stationery and gifts", [
            ("Gift card", "Any amount, valid for a year.", "25.00", PricingUnit.ITEM),
            ("Notebook, A5", "Dotted pages, lies flat.", "9.50", PricingUnit.ITEM),
            ("Bookmark, leather", "Hand-stitched, in four colours.", "6.00", PricingUnit.ITEM),
            ("Reading lamp", "Clip-on, rechargeable.", "19.90", PricingUnit.ITEM),
            ("Tote bag", "Our cotton bag with the shop's logo.", "8.00", PricingUnit.ITEM),
        ]),
        ("Services", [
            ("Gift wrapping", "Paper and ribbon of your choice.", "0", PricingUnit.ITEM),
            ("Home delivery", "Within the city, 1–3 working days.", "4.90", PricingUnit.ITEM),
            ("Book club, monthly", "A book a month and our reading evening.", "15.00",
             PricingUnit.MONTH),
        ]),
    ],
    Vertical.SCHOOL: [
        ("Courses", [
            ("Piano, individual", "45-minute lessons with a teacher.", "35.00", PricingUnit.LESSON),
            ("Violin, individual", "45-minute lessons; instruments to borrow.", "35.00",
             PricingUnit.LESSON),
            ("Guitar, individual", "Classical or acoustic.", "32.00", PricingUnit.LESSON),
            ("Music theory, group", "Weekly group class.", "60.00", PricingUnit.MONTH),
            ("Children's choir", "Twice a week, ages 6–12.", "45.00", PricingUnit.MONTH),
            ("Early music, ages 3–5", "Rhythm and singing with a parent.", "40.00",
             PricingUnit.MONTH),
        ]),
        ("For families", [
            ("Open day visit", "Try a lesson before enrolling.", "0", PricingUnit.PERSON),
            ("Exam preparation", "Extra lessons before a graded exam.", "38.00",
             PricingUnit.LESSON),
            ("Practice room, one hour", "A room with a piano, for practice.", "8.00",
             PricingUnit.HOUR),
            ("Instrument rental", "Violin or guitar, per month.", "20.00", PricingUnit.MONTH),
            ("Sheet music pack", "The term's pieces, printed.", "12.00", PricingUnit.ITEM),
            ("Concert ticket", "The end-of-term concert.", "0", PricingUnit.PERSON),
        ]),
    ],
}  # fmt: skip


REQUEST_TYPES: dict[str, list[tuple[str, int, list[str]]]] = {
    Vertical.HOTEL: [
        ("Room service", 30, ["Confirm the order with the guest", "Prepare", "Deliver and check"]),
        ("Question", 60, ["Answer", "Offer more help"]),
        ("Complaint", 120, ["Apologise and listen", "Fix or compensate", "Follow up next day"]),
    ],
    Vertical.SHOP: [
        ("Order question", 120, ["Find the order", "Answer with the status"]),
        ("Return", 1440, ["Check the return window", "Send the return label", "Refund on arrival"]),
    ],
    Vertical.SCHOOL: [
        ("Question from a parent", 240, ["Answer", "Tell the teacher if needed"]),
        ("Absence", 60, ["Record the absence", "Tell the teacher"]),
    ],
}


def seed_vertical(vertical: str) -> None:
    """Timeless starter content; runs inside a vertical's template schema."""
    for name, threshold, discount in (
        ("Silver", "0", 0),
        ("Gold", "500", 5),
        ("Platinum", "2000", 10),
    ):
        Tier.objects.create(name=name, min_spent=Decimal(threshold), discount_percent=discount)
    for name, sla, steps in REQUEST_TYPES.get(vertical, []):
        RequestType.objects.create(name=name, sla_minutes=sla, checklist=steps)
    for position, (slug, kind, title, body) in enumerate(PAGES.get(vertical, [])):
        InfoPage.objects.create(slug=slug, kind=kind, title=title, body=body, position=position)
    for cat_position, (category_name, items) in enumerate(CATALOG.get(vertical, [])):
        category = CatalogCategory.objects.create(name=category_name, position=cat_position)
        for position, (name, description, price, unit) in enumerate(items):
            CatalogItem.objects.create(
                category=category,
                name=name,
                description=description,
                price=Decimal(price),
                unit=unit,
                position=position,
            )
    from cabinet.verticals import vertical_hook

    seed_module = vertical_hook(vertical, "seed")
    if seed_module is not None:
        seed_module()


WELCOME_OFFERS = {
    Vertical.HOTEL: ("Welcome drink on us",
                     "Show this offer at the desk or the bar, once, this month."),
    Vertical.SHOP: ("10% off your next book", "Show this offer at the till, once, this month."),
    Vertical.SCHOOL: ("A free trial lesson for a friend",
                      "Bring a friend to any lesson this month; tell the office first."),
}  # fmt: skip

# Dated starter events, days from provisioning: (kind, title, description, where, day, hour,
# minutes, places, price).
EVENTS: dict[str, list[tuple]] = {
    Vertical.HOTEL: [
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
    ],
    Vertical.SHOP: [
        (Event.Kind.EVENT, "Author evening", "A reading and signing with a local novelist.",
         "In the shop", 5, 19, 90, 30, "0"),
        (Event.Kind.EVENT, "Book club: this month's novel", "Tea, biscuits and a good talk.",
         "Reading corner", 9, 18, 90, 12, "0"),
        (Event.Kind.EVENT, "Children's story hour", "Picture books read aloud, ages 3–7.",
         "Children's corner", 13, 11, 45, 15, "0"),
        (Event.Kind.EVENT, "Calligraphy workshop", "Pens and paper included.",
         "Reading corner", 20, 15, 120, 10, "20.00"),
    ],
    Vertical.SCHOOL: [
        (Event.Kind.CLASS, "Music theory", "Open lesson: bring a notebook.", "Room 3",
         1, 16, 45, 12, "0"),
        (Event.Kind.CLASS, "Choir rehearsal", "Open rehearsal for new singers.", "Hall",
         3, 17, 60, 30, "0"),
        (Event.Kind.EVENT, "Open day", "Try the instruments and meet the teachers.", "Hall",
         6, 11, 180, 60, "0"),
        (Event.Kind.EVENT, "Piano masterclass", "With a guest pianist; families welcome.",
         "Hall", 12, 17, 90, 40, "0"),
        (Event.Kind.EVENT, "End-of-term concert", "Our students on stage.", "Hall",
         19, 18, 120, 120, "0"),
    ],
}  # fmt: skip


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day.date(), time(hour, minute)))


def seed_upcoming_events(vertical: str) -> None:
    """Dated starter content, relative to today; runs at provisioning in the new schema."""
    today = timezone.localtime()
    title, description = WELCOME_OFFERS.get(vertical, WELCOME_OFFERS[Vertical.HOTEL])
    Offer.objects.create(
        title=title, description=description, valid_until=today + timedelta(days=30)
    )
    for kind, title, description, location, day, hour, minutes, capacity, price in EVENTS.get(
        vertical, []
    ):
        start = _at(today + timedelta(days=day), hour)
        Event.objects.create(
            kind=kind, title=title, description=description, location=location,
            starts_at=start, ends_at=start + timedelta(minutes=minutes), capacity=capacity,
            price=Decimal(price),
        )  # fmt: skip
