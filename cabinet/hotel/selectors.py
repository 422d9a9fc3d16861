"""What a guest and the staff see of stays. A guest sees only their own stays; staff only the
stays of the clients they may see (cabinet.staff.selectors.clients_for)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from cabinet.access import clients_for
from cabinet.accounts.models import ClientProfile
from cabinet.catalog.models import CatalogItem
from cabinet.hotel.models import MapPlan, MapPoint, Room, Stay
from cabinet.orders.models import Order
from rbac.models import User


def client_stays(client: ClientProfile) -> QuerySet[Stay]:
    """With `type_picture`: the picture of a room of the type booked (in the same query)."""
    of_the_type = Room.objects.filter(kind__iexact=OuterRef("room_type")).exclude(image="")
    return (
        Stay.objects.filter(client=client)
        .select_related("room")
        .annotate(type_picture=Subquery(of_the_type.order_by("number").values("image")[:1]))
    )


def client_stay(client: ClientProfile, pk: object) -> Stay | None:
    try:
        return client_stays(client).get(pk=int(pk))
    except (Stay.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


def stay_now_or_next(client: ClientProfile, today: datetime.date) -> Stay | None:
    """The stay the guest is in, else their next one."""
    return (
        client_stays(client)
        .filter(departure__gt=today)
        .exclude(status__in=(Stay.Status.CANCELLED, Stay.Status.DEPARTED))
        .order_by("arrival")
        .first()
    )


def _local_bounds(stay: Stay) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(stay.arrival, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(stay.departure, datetime.time.max, tzinfo=zone)
    return start, end


def stay_orders(stay: Stay) -> QuerySet[Order]:
    """What the guest ordered from arrival day to departure day (local time)."""
    start, end = _local_bounds(stay)
    return (
        Order.objects.filter(client_id=stay.client_id, created_at__range=(start, end))
        .prefetch_related("items")
        .order_by("created_at")
    )


def past_stays_with_orders(client: ClientProfile, today: datetime.date) -> list[Stay]:
    """The guest's earlier stays, newest first, each with `.orders` (two queries)."""
    stays = list(
        client_stays(client).filter(departure__lte=today).exclude(status=Stay.Status.CANCELLED)
    )
    if not stays:
        return []
    first, _ = _local_bounds(stays[-1])
    _, last = _local_bounds(stays[0])
    orders = list(
        Order.objects.filter(client=client, created_at__range=(first, last))
        .prefetch_related("items")
        .order_by("created_at")
    )
    for stay in stays:
        start, end = _local_bounds(stay)
        stay.orders = [o for o in orders if start <= o.created_at <= end]
    return stays


@dataclass(frozen=True)
class Extra:
    item: CatalogItem
    quantity: int
    total: Decimal


def stay_offer(stay: Stay) -> tuple[list[CatalogItem], list[Extra]]:
    """What the stay includes, and the extras on offer priced for this stay (a night's price
    times its nights, a person's times its guests)."""
    included = list(stay.included.filter(is_active=True))
    taken = {item.pk for item in included}
    extras = [
        Extra(item, stay.quantity_for(item), item.price * stay.quantity_for(item))
        for item in CatalogItem.objects.filter(is_active=True).select_related("category")
        if item.pk not in taken and item.price > 0
    ]
    return included, extras


def staff_stays(staff: User) -> QuerySet[Stay]:
    return Stay.objects.filter(client__in=clients_for(staff)).select_related("client__user", "room")


def staff_stay(staff: User, pk: object) -> Stay | None:
    try:
        return staff_stays(staff).get(pk=int(pk))
    except (Stay.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class ResortMap:
    """The plan (the owner's picture, or None for the bundled drawing), its size in SVG units,
    and the pins placed on it (`cx`, `cy` in those units)."""

    plan: object
    width: int
    height: int
    points: list

    @property
    def pin_scale(self) -> float:
        """Pins keep the size they have on the 800-wide drawing, whatever the plan's size."""
        return max(self.width, self.height * 800 / 560) / 800


def resort_map() -> ResortMap:
    plan = MapPlan.objects.first()
    width, height = (plan.width, plan.height) if plan else (800, 560)
    points = list(MapPoint.objects.all())
    for point in points:  # percent of the plan -> its units
        point.cx = float(point.x) * width / 100
        point.cy = float(point.y) * height / 100
    return ResortMap(plan=plan, width=width, height=height, points=points)


def room_for(stay: Stay) -> Room | None:
    """The room whose picture a guest sees: the one assigned if it has a picture, else one of
    the type booked (`type_picture` from client_stays: no query here)."""
    if stay.room_id and stay.room.image:
        return stay.room
    picture = getattr(stay, "type_picture", None)
    if picture:
        return Room(kind=stay.room_type, image=picture)
    return stay.room
