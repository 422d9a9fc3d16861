from django.db.models import QuerySet

from cabinet.access import clients_for
from cabinet.accounts.models import ClientProfile
from cabinet.orders.models import Order
from cabinet.shop.models import Address, ReturnRequest, Shipment
from rbac.models import User


def _one(queryset: QuerySet, pk: object):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


def client_address(client: ClientProfile, pk: object) -> Address | None:
    return _one(client.addresses.all(), pk)


def client_returns(client: ClientProfile) -> QuerySet[ReturnRequest]:
    return (
        ReturnRequest.objects.filter(client=client)
        .select_related("order")
        .prefetch_related("lines__order_item")
    )


def client_order_for_return(client: ClientProfile, pk: object) -> Order | None:
    return _one(
        Order.objects.filter(client=client).select_related("shipment").prefetch_related("items"),
        pk,
    )


def staff_shipments(staff: User) -> QuerySet[Shipment]:
    return Shipment.objects.filter(order__client__in=clients_for(staff)).select_related(
        "order__client__user"
    )


def staff_returns(staff: User) -> QuerySet[ReturnRequest]:
    return (
        ReturnRequest.objects.filter(client__in=clients_for(staff))
        .select_related("client__user", "order")
        .prefetch_related("lines__order_item")
    )


def client_shipments(client: ClientProfile) -> QuerySet[Shipment]:
    """The parcels of the customer's own orders, newest order first, with their tracking
    history (one query more)."""
    return (
        Shipment.objects.filter(order__client=client)
        .prefetch_related("events")
        .order_by("-order__created_at", "-id")
    )


def client_shipment(client: ClientProfile, pk: object) -> Shipment | None:
    return _one(client_shipments(client), pk)
