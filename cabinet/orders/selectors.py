"""Reads of a client's orders, scoped to that client."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet

if TYPE_CHECKING:
    from cabinet.accounts.models import ClientProfile
    from cabinet.orders.models import Order


def client_orders(client: "ClientProfile", *, status: str = "") -> "QuerySet[Order]":
    from cabinet.orders.models import Order

    orders = Order.objects.filter(client=client).prefetch_related("items")
    return orders.filter(status=status) if status in Order.Status.values else orders


def client_order(client: "ClientProfile", pk: object) -> "Order | None":
    from cabinet.orders.models import Order

    try:
        return (
            Order.objects.filter(client=client, pk=int(pk))
            .prefetch_related("items", "history")
            .first()
        )
    except (TypeError, ValueError, OverflowError):
        return None
