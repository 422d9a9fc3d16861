import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cabinet.models import Branding, CatalogItem, Event, InfoPage

if TYPE_CHECKING:
    from cabinet.models import Booking, CatalogCategory, ClientProfile, Order, Tier
from rbac.models import User

BRANDING_CACHE_KEY = "cabinet:branding"
BRANDING_CACHE_SECONDS = 300


def branding_get() -> Branding:
    """The current tenant's branding (cached per tenant; services forget it on change); an
    unsaved default when the tenant has none yet."""
    branding = cache.get(BRANDING_CACHE_KEY)
    if branding is not None:
        return branding
    branding = Branding.objects.first()
    if branding is None:
        tenant = getattr(connection, "tenant", None)
        return Branding(display_name=getattr(tenant, "name", "") or "Kabinet")
    cache.set(BRANDING_CACHE_KEY, branding, BRANDING_CACHE_SECONDS)
    return branding


def branding_forget() -> None:
    cache.delete(BRANDING_CACHE_KEY)


# What every client's home reads and the owner seldom changes: kept per tenant (the cache's keys
# carry the schema), forgotten when one is saved or deleted (cabinet.receivers).
TIERS_CACHE_KEY = "cabinet:tiers"
WELCOME_CACHE_KEY = "cabinet:welcome"
SHOWCASE_CACHE_KEY = "cabinet:home-showcase"
CONTENT_CACHE_SECONDS = 300


def loyalty_tiers() -> list["Tier"]:
    from cabinet.models import Tier

    return cache.get_or_set(
        TIERS_CACHE_KEY, lambda: list(Tier.objects.all()), CONTENT_CACHE_SECONDS
    )


def welcome_page() -> "InfoPage | None":
    """The published welcome page; cached as a one-item list, so "none" is cached too."""
    found = cache.get_or_set(
        WELCOME_CACHE_KEY,
        lambda: list(InfoPage.objects.filter(kind=InfoPage.Kind.WELCOME, is_published=True)[:1]),
        CONTENT_CACHE_SECONDS,
    )
    return found[0] if found else None


def home_showcase() -> dict[str, list]:
    """What the home page shows every visitor and seldom changes: services with pictures, the
    information pages and the business's details (cached; forgotten when one is saved)."""
    from cabinet.models import BusinessDetails

    def read() -> dict[str, list]:
        return {
            "services": list(
                CatalogItem.objects.filter(is_active=True)
                .exclude(image="")
                .order_by("category", "pk")[:4]
            ),
            "info": list(InfoPage.objects.filter(is_published=True, kind=InfoPage.Kind.INFO)[:6]),
            "details": list(BusinessDetails.objects.all()[:1]),
        }

    return cache.get_or_set(SHOWCASE_CACHE_KEY, read, CONTENT_CACHE_SECONDS)


def home_content_forget() -> None:
    cache.delete_many([TIERS_CACHE_KEY, WELCOME_CACHE_KEY, SHOWCASE_CACHE_KEY])


# --- The client's own cabinet ------------------------------------------------------------------


def client_profile_of(user: User) -> "ClientProfile":
    from cabinet.models import ClientProfile

    profile, _created = ClientProfile.objects.get_or_create(user=user)
    return profile


def catalog() -> list[tuple["CatalogCategory", list["CatalogItem"]]]:
    from cabinet.models import CatalogCategory

    categories = CatalogCategory.objects.prefetch_related(
        models.Prefetch("items", queryset=CatalogItem.objects.filter(is_active=True))
    )
    return [(category, list(category.items.all())) for category in categories]


def client_orders(client: "ClientProfile", *, status: str = "") -> "QuerySet[Order]":
    from cabinet.models import Order

    orders = Order.objects.filter(client=client).prefetch_related("items")
    return orders.filter(status=status) if status in Order.Status.values else orders


def client_order(client: "ClientProfile", pk: object) -> "Order | None":
    from cabinet.models import Order

    try:
        return (
            Order.objects.filter(client=client, pk=int(pk))
            .prefetch_related("items", "history")
            .first()
        )
    except (TypeError, ValueError, OverflowError):
        return None


def _with_places_taken(events: "QuerySet[Event]") -> "QuerySet[Event]":
    from cabinet.models import Booking

    return events.annotate(
        taken=Coalesce(
            Sum("bookings__seats", filter=Q(bookings__status=Booking.Status.CONFIRMED)), 0
        )
    )


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    count: int  # events that day

    @property
    def dots(self) -> str:
        return "•" * min(self.count, 3)


@dataclass(frozen=True)
class CalendarMonth:
    first: date
    weeks: list[list["CalendarDay"]]
    days: list[tuple[date, list[Event]]]  # the days that have events, in order
    previous: date
    next: date


def event_calendar(month: date) -> CalendarMonth:
    """A month of events laid out in weeks (Monday first), in the current time zone; two
    queries whatever the number of events."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(following, time.min, tzinfo=zone)
    events = _with_places_taken(
        Event.objects.filter(starts_at__gte=start, starts_at__lt=end)
    ).order_by("starts_at")
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(timezone.localtime(event.starts_at).date(), []).append(event)
    weeks = [
        [CalendarDay(day, day.month == first.month, len(by_day.get(day, []))) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    return CalendarMonth(
        first=first, weeks=weeks, days=sorted(by_day.items()),
        previous=(first - timedelta(days=1)).replace(day=1), next=following,
    )  # fmt: skip


def upcoming_events() -> "QuerySet[Event]":
    from cabinet.models import Booking

    return (
        Event.objects.filter(starts_at__gte=timezone.now())
        .annotate(
            taken=Coalesce(
                Sum("bookings__seats", filter=Q(bookings__status=Booking.Status.CONFIRMED)), 0
            )
        )
        .order_by("starts_at")
    )


def client_bookings_by_event(
    client: "ClientProfile", events: "Iterable[Event] | None" = None
) -> dict[int, "Booking"]:
    """The client's live (not cancelled) booking of each event, by the event's id (one query)."""
    from cabinet.models import Booking

    bookings = client_bookings(client).exclude(status=Booking.Status.CANCELLED)
    if events is not None:
        bookings = bookings.filter(event__in=list(events))
    return {booking.event_id: booking for booking in bookings}


def client_bookings(client: "ClientProfile") -> "QuerySet[Booking]":
    from cabinet.models import Booking

    return Booking.objects.filter(client=client).select_related("event").order_by("-created_at")


def client_bookings_filtered(
    client: "ClientProfile", *, when: str = "", status: str = ""
) -> "QuerySet[Booking]":
    """The client's history of bookings: `when` is upcoming, past or visits (the ones they came
    to, checked in at the door); `status` one of Booking's. Unknown values mean "any"."""
    from cabinet.models import Booking

    # each event with its places taken (Event.places_left), in one more query for the page
    with_places = models.Prefetch("event", queryset=_with_places_taken(Event.objects.all()))
    bookings = (
        client_bookings(client)
        .select_related(None)
        .prefetch_related(with_places)
        .order_by("-event__starts_at", "-pk")
    )
    if status in Booking.Status.values:
        bookings = bookings.filter(status=status)
    now = timezone.now()
    if when == "upcoming":
        return bookings.filter(event__starts_at__gte=now).order_by("event__starts_at", "pk")
    if when == "past":
        return bookings.filter(event__starts_at__lt=now)
    if when == "visits":
        return bookings.filter(checked_in_at__isnull=False)
    return bookings


def client_booking(client: "ClientProfile", pk: object) -> "Booking | None":
    try:
        return client_bookings(client).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def client_dashboard(client: "ClientProfile") -> dict[str, object]:
    """The client's home: five queries whatever the data size, six for a client with no open
    order, booking ahead or money spent (two more when the tiers and welcome page are not
    cached)."""
    from cabinet.models import Booking, Order, Wallet

    wallet = Wallet.objects.filter(client=client).first()
    active = list(
        Order.objects.filter(client=client)
        .exclude(status__in=[Order.Status.DONE, Order.Status.CANCELLED])
        .order_by("-created_at")[:5]
    )
    upcoming = list(
        Booking.objects.filter(
            client=client, status=Booking.Status.CONFIRMED, event__starts_at__gte=timezone.now()
        )
        .select_related("event")
        .order_by("event__starts_at")[:5]
    )
    loyalty = client_loyalty(client)
    has_history = (
        bool(active or upcoming or loyalty["spent"])
        or Order.objects.filter(client=client).exists()  # only done with points, or cancelled
    )
    return {
        **loyalty,
        "wallet": wallet,
        "active_orders": active,
        "upcoming_bookings": upcoming,
        "is_new": not has_history,
        "welcome": welcome_page(),
    }


def client_loyalty(client: "ClientProfile") -> dict[str, object]:
    """Tier by total spent, and the offers meant for this client now (two queries; the tiers
    come from the cache)."""
    from cabinet.models import Offer, Order

    spent = (
        Order.objects.filter(client=client, status=Order.Status.DONE)
        .exclude(payment=Order.Payment.POINTS)
        .aggregate(total=Sum("total"))["total"]
        or 0
    )
    tiers = loyalty_tiers()
    tier = next((t for t in reversed(tiers) if spent >= t.min_spent), None)
    next_tier = next((t for t in tiers if spent < t.min_spent), None)
    offers = list(
        Offer.objects.filter(is_active=True, valid_until__gte=timezone.now())
        .filter(  # everyone's, theirs, their clubs', their tier's (segments: the loyalty page)
            Q(client=client)
            | Q(club__members=client)
            | Q(tier__isnull=False, tier=tier)
            | Q(client__isnull=True, club__isnull=True, tier__isnull=True, segment="")
        )
        .distinct()
        .select_related("club")[:10]
    )
    return {"spent": spent, "tier": tier, "next_tier": next_tier, "offers": offers}
