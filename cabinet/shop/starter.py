"""A new shop's starter content: its pages, catalog, request types, welcome offer and events,
for the owner to edit or delete (cabinet.content.starter)."""

from cabinet.bookings.models import Event
from cabinet.catalog.models import PricingUnit
from cabinet.content.models import InfoPage
from cabinet.verticals import StarterContent

# The common content a new cabinet of this vertical opens with (cabinet.content.starter).
PAGES = [
        ("welcome", InfoPage.Kind.WELCOME, "Welcome",
         "Track your orders, reorder what you liked in one tap and collect points with every "
         "purchase."),
        ("delivery", InfoPage.Kind.INFO, "Delivery and returns",
         "We deliver in 1–3 working days. You can return an item within 30 days from your "
         "order history."),
    ]  # fmt: skip

CATALOG = [
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
    ]  # fmt: skip

REQUEST_TYPES = [
        ("Order question", 120, ["Find the order", "Answer with the status"]),
        ("Return", 1440, ["Check the return window", "Send the return label", "Refund on arrival"]),
    ]  # fmt: skip

WELCOME_OFFER = ("10% off your next book", "Show this offer at the till, once, this month.")

# Dated starter events, days from provisioning: (kind, title, description, where, day, hour,
# minutes, places, price).
EVENTS = [
        (Event.Kind.EVENT, "Author evening", "A reading and signing with a local novelist.",
         "In the shop", 5, 19, 90, 30, "0"),
        (Event.Kind.EVENT, "Book club: this month's novel", "Tea, biscuits and a good talk.",
         "Reading corner", 9, 18, 90, 12, "0"),
        (Event.Kind.EVENT, "Children's story hour", "Picture books read aloud, ages 3–7.",
         "Children's corner", 13, 11, 45, 15, "0"),
        (Event.Kind.EVENT, "Calligraphy workshop", "Pens and paper included.",
         "Reading corner", 20, 15, 120, 10, "20.00"),
    ]  # fmt: skip


STARTER = StarterContent(
    pages=PAGES,
    catalog=CATALOG,
    request_types=REQUEST_TYPES,
    welcome_offer=WELCOME_OFFER,
    events=EVENTS,
)
