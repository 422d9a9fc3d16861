"""What a shop adds to the staff home: the orders waiting to be confirmed, oldest first, among
the customers this person may see."""

import datetime
from typing import Any

from cabinet.access import clients_for
from cabinet.orders.models import Order
from rbac.models import User

LIST_LENGTH = 8


def next_actions(*, user: User, today: datetime.date) -> dict[str, Any]:
    waiting = Order.objects.filter(
        client__in=clients_for(user).values("pk"), status=Order.Status.NEW
    ).select_related("client__user")
    return {"to_confirm": list(waiting.order_by("created_at", "pk")[:LIST_LENGTH])}
