"""Reads of loyalty: the tiers (cached per tenant) and a client's tier, spend and offers."""

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils import timezone

if TYPE_CHECKING:
    from cabinet.accounts.models import ClientProfile
    from cabinet.wallet.models import Tier

# kept per tenant (the cache's keys carry the schema), forgotten with the home content
TIERS_CACHE_KEY = "cabinet:tiers"
TIERS_CACHE_SECONDS = 300


def loyalty_tiers() -> list["Tier"]:
    from cabinet.wallet.models import Tier

    return cache.get_or_set(TIERS_CACHE_KEY, lambda: list(Tier.objects.all()), TIERS_CACHE_SECONDS)


def client_loyalty(client: "ClientProfile") -> dict[str, object]:
    """Tier by total spent, and the offers meant for this client now (two queries; the tiers
    come from the cache)."""
    from cabinet.orders.models import Order
    from cabinet.wallet.models import Offer

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
