"""Loyalty that does what it says: the client's tier (by what they spent), their clubs, the
offers meant for them, the owner's rules for paying on site and earning points. Prices are
made from these in cabinet.checkout.services; this module answers "who is this client to us"."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.accounts.models import ClientProfile
from cabinet.checkout.models import OfferRedemption
from cabinet.orders.models import Order
from cabinet.wallet.models import Club, LoyaltySettings, Offer, Segment, Tier
from rbac.audit import audit_record
from rbac.models import User

LAPSED_DAYS = 90


def loyalty_settings() -> LoyaltySettings:
    """The owner's rules (the defaults, unsaved, until the owner changes anything)."""
    return LoyaltySettings.objects.first() or LoyaltySettings()


@transaction.atomic
def loyalty_settings_save(
    *, on_site_allowed: bool, earn_percent: int, earn_on_bookings: bool, by: User
) -> LoyaltySettings:
    if not 0 <= earn_percent <= 50:
        raise ValidationError(_("Points earned are between 0 and 50 %."), code="earn")
    settings, _created = LoyaltySettings.objects.select_for_update().get_or_create(singleton=True)
    before = {"on_site_allowed": settings.on_site_allowed, "earn_percent": settings.earn_percent,
              "earn_on_bookings": settings.earn_on_bookings}  # fmt: skip
    settings.on_site_allowed = on_site_allowed
    settings.earn_percent = earn_percent
    settings.earn_on_bookings = earn_on_bookings
    settings.save()
    after = {"on_site_allowed": on_site_allowed, "earn_percent": earn_percent,
             "earn_on_bookings": earn_on_bookings}  # fmt: skip
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit_record(action="loyalty.settings", actor=by, target=settings, changes=changes)
    return settings


def client_spent(client: ClientProfile) -> Decimal:
    """What the client paid for finished orders (points are not spending)."""
    spent = (
        Order.objects.filter(client=client, status=Order.Status.DONE)
        .exclude(payment=Order.Payment.POINTS)
        .aggregate(total=Sum("total"))["total"]
    )
    return spent or Decimal("0")


def tier_for(client: ClientProfile, tiers: list[Tier] | None = None) -> Tier | None:
    from cabinet.wallet.selectors import loyalty_tiers

    spent = client_spent(client)
    tiers = loyalty_tiers() if tiers is None else tiers
    return next((t for t in reversed(tiers) if spent >= t.min_spent), None)


def best_club(client: ClientProfile) -> Club | None:
    """The client's club with the best price (clubs do not stack with each other)."""
    return (
        Club.objects.filter(members=client, discount_percent__gt=0)
        .order_by("-discount_percent", "pk")
        .first()
    )


def segments_of(client: ClientProfile) -> set[str]:
    """Which of the segments the client is in today."""
    found = set()
    orders = Order.objects.filter(client=client).exclude(status=Order.Status.CANCELLED)
    last = orders.order_by("-created_at").values_list("created_at", flat=True).first()
    if not orders.filter(status=Order.Status.DONE).exists():
        found.add(Segment.NEW)
    if last is not None and last < timezone.now() - timedelta(days=LAPSED_DAYS):
        found.add(Segment.LAPSED)
    birth = client.birth_date
    if birth is not None and birth.month == timezone.localdate().month:
        found.add(Segment.BIRTHDAY)
    return found


def offers_for(client: ClientProfile, tier: Tier | None = None) -> QuerySet[Offer]:
    """The live offers meant for this client: everyone's, theirs, their tier's, their clubs',
    their segments'."""
    target = Q(client__isnull=True, club__isnull=True, tier__isnull=True, segment="")
    target |= Q(client=client) | Q(club__members=client)
    if tier is not None:
        target |= Q(tier=tier)
    segments = segments_of(client)
    if segments:
        target |= Q(segment__in=segments)
    return (
        Offer.objects.filter(is_active=True, valid_until__gte=timezone.now())
        .filter(target)
        .distinct()
    )


def offer_by_code(code: str) -> Offer | None:
    code = normalise_code(code)
    return Offer.objects.filter(code=code).first() if code else None


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:32]


def offer_refusal(*, offer: Offer, client: ClientProfile, tier: Tier | None) -> str | None:
    """Why this client cannot use this offer now, in words; None when they can. The caller
    holds the offer row locked when it is about to redeem."""
    if not offer.is_active or offer.valid_until < timezone.now():
        return _("This code has expired.")
    if not offers_for(client, tier).filter(pk=offer.pk).exists():
        return _("This code is not for your account.")
    if offer.max_uses is not None and offer.uses >= offer.max_uses:
        return _("This code has been used up.")
    used = OfferRedemption.objects.filter(
        offer=offer, client=client, released_at__isnull=True
    ).count()
    if used >= offer.max_uses_per_client:
        return _("You have already used this code.")
    return None


@transaction.atomic
def club_join(*, club: Club, client: ClientProfile, by: User) -> None:
    """A client joins (an open club, by themselves) or is added (any club, by staff)."""
    if not by.is_staff and (by.pk != client.user_id or not club.is_open):
        raise ValidationError(_("This club takes members through the staff."), code="closed")
    club.members.add(client)
    audit_record(action="club.joined", actor=by, target=club, changes={"client": client.pk})


@transaction.atomic
def club_leave(*, club: Club, client: ClientProfile, by: User) -> None:
    """A client leaves (by themselves, any club) or is removed by staff."""
    if not by.is_staff and by.pk != client.user_id:
        raise ValidationError(_("Only the member or the staff can do this."), code="other")
    club.members.remove(client)
    audit_record(action="club.left", actor=by, target=club, changes={"client": client.pk})
