"""A new clinic's starter content: its services (catalog items with a duration), for the owner
to edit; specialists are added once the staff join. Runs in the clinic's template schema."""

from decimal import Decimal

from cabinet.catalog.models import CatalogItem, PricingUnit
from cabinet.clinic.models import BookingRules, Service
from cabinet.content.models import InfoPage
from cabinet.verticals import StarterContent

CATEGORY = "Appointments"
SERVICES = [
    # name, description, price, minutes, paid in advance
    (
        "First consultation",
        "Meet the doctor, talk through your concern, plan the next steps.",
        "60.00",
        30,
        True,
    ),
    ("Follow-up visit", "A check on how the treatment goes.", "40.00", 20, False),
    ("Blood test", "Drawn here; results in your cabinet within two days.", "25.00", 15, True),
    ("Skin check", "A full-body mole and skin examination.", "80.00", 45, True),
    ("Vaccination", "Bring your vaccination record if you have one.", "0", 15, False),
]

PAGES = [
    (
        "welcome",
        InfoPage.Kind.WELCOME,
        "Welcome",
        "Book a visit at a time that suits you, pay in advance where needed, and find your "
        "results here after the visit.",
    ),
    (
        "rules",
        InfoPage.Kind.INFO,
        "Before your visit",
        "Please come five minutes early. You can move or cancel a visit until 24 hours before.",
    ),
]

CATALOG = [
    (
        CATEGORY,
        [
            (name, about, price, PricingUnit.ITEM)
            for name, about, price, _minutes, _prepay in SERVICES
        ],
    )
]

REQUEST_TYPES = [
    ("Question about a visit", 240, ["Answer", "Tell the specialist if needed"]),
    ("Certificate or copy of results", 1440, ["Prepare the document", "Send it"]),
]

WELCOME_OFFER = ("10 % off your first consultation", "Show this offer at the reception.")


def seed() -> None:
    """The services over the starter catalog's items (seeded before this runs)."""
    BookingRules.objects.get_or_create(pk=1)
    for name, _about, _price, minutes, prepay in SERVICES:
        item = CatalogItem.objects.filter(name=name).first()
        if item is None:  # pragma: no cover — the catalog comes first
            continue
        Service.objects.get_or_create(
            item=item, defaults={"minutes": minutes, "prepay": prepay and item.price > Decimal(0)}
        )


STARTER = StarterContent(
    pages=PAGES,
    catalog=CATALOG,
    request_types=REQUEST_TYPES,
    welcome_offer=WELCOME_OFFER,
    seed=seed,
)
