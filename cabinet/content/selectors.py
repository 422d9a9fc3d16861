"""What every client's home reads: the welcome page, the showcase (cached per tenant) and the
client's dashboard."""

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils import timezone

from cabinet.catalog.models import CatalogItem
from cabinet.content.models import InfoPage
from cabinet.wallet.selectors import TIERS_CACHE_KEY, client_loyalty

if TYPE_CHECKING:
    from cabinet.accounts.models import ClientProfile


# What every client's home reads and the owner seldom changes: kept per tenant (the cache's keys
# carry the schema), forgotten when one is saved or deleted (cabinet.receivers).
WELCOME_CACHE_KEY = "cabinet:welcome"
SHOWCASE_CACHE_KEY = "cabinet:home-showcase"
CONTENT_CACHE_SECONDS = 300


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
    from cabinet.branding.models import BusinessDetails

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


def client_dashboard(client: "ClientProfile") -> dict[str, object]:
    """The client's home: five queries whatever the data size, six for a client with no open
    order, booking ahead or money spent (two more when the tiers and welcome page are not
    cached)."""
    from cabinet.bookings.models import Booking
    from cabinet.orders.models import Order
    from cabinet.wallet.models import Wallet

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
